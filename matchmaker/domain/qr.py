"""QR codes as data: the module matrix (from the ``qrcode`` package) and its dark runs, which
every picture of a code is drawn from (an SVG path on the agenda page, rectangles in the PDF).

Drawn by hand from the matrix rather than through an imaging library: the runs make a small
SVG (one rectangle per horizontal run, not per module) and a PDF needs no embedded image.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

#: The white margin readers need around a code, in modules (the standard asks for 4).
QUIET_ZONE = 4


@dataclass(frozen=True)
class QrCode:
    """A square of modules, quiet zone included: ``rows[y][x]`` is True for a dark module."""

    rows: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        return len(self.rows)


def make_qr(text: str) -> QrCode:
    """The smallest code holding ``text`` (error correction M: a creased or smudged printout
    still reads), with its quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    return QrCode(tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix()))


def dark_runs(code: QrCode) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of every horizontal run of dark modules."""
    for y, row in enumerate(code.rows):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            yield y, start, x - start


def qr_svg(code: QrCode, title: str) -> str:
    """A standalone SVG of the code, one module per user unit, scaled by whoever shows it;
    ``title`` is what assistive technology reads."""
    path = "".join(f"M{x},{y}h{length}v1h-{length}z" for y, x, length in dark_runs(code))
    n = code.size
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" width="{n * 4}" '
        f'height="{n * 4}" shape-rendering="crispEdges" role="img">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{n}" height="{n}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )
