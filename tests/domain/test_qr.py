"""QR codes as data: the matrix qrcode builds, its dark runs, and the SVG drawn from them."""

from __future__ import annotations

import re

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from matchmaker.domain.qr import QUIET_ZONE, dark_runs, make_qr, qr_svg

URL = "https://citas.example.org/organiser/live/check-in/WzEyLDM0XQ.abcdefghijklmnopqrstuvwxyz0"


def test_the_matrix_is_qrcodes_own_with_a_quiet_zone() -> None:
    reference = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    reference.add_data(URL)
    reference.make(fit=True)
    code = make_qr(URL)
    assert [list(row) for row in code.rows] == reference.get_matrix()
    assert code.size == 17 + 4 * reference.version + 2 * QUIET_ZONE
    assert not any(code.rows[0]) and not any(row[-1] for row in code.rows)  # the quiet zone
    # The top-left finder pattern: a 7-module dark square ring starting after the quiet zone.
    first = code.rows[QUIET_ZONE][QUIET_ZONE : QUIET_ZONE + 7]
    assert all(first)


def test_dark_runs_cover_exactly_the_dark_modules() -> None:
    code = make_qr(URL)
    drawn = {(y, x + i) for y, x, length in dark_runs(code) for i in range(length)}
    dark = {(y, x) for y, row in enumerate(code.rows) for x, cell in enumerate(row) if cell}
    assert drawn == dark
    runs = list(dark_runs(code))
    # Runs are maximal: no two touch on the same row.
    ends = {(y, x + length) for y, x, length in runs}
    assert not ends & {(y, x) for y, x, _length in runs}


def test_the_svg_draws_every_run_and_escapes_its_title() -> None:
    code = make_qr(URL)
    svg = qr_svg(code, "Mesa <3> & co")
    assert svg.startswith("<svg") and f'viewBox="0 0 {code.size} {code.size}"' in svg
    assert "<title>Mesa &lt;3&gt; &amp; co</title>" in svg
    drawn = re.findall(r"M(\d+),(\d+)h(\d+)v1h-\3z", svg)
    assert [(int(y), int(x), int(n)) for x, y, n in drawn] == list(dark_runs(code))
