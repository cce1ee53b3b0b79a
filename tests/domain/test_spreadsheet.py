"""Spreadsheet-safe CSV cells: formulas are neutralised, and read back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.domain.spreadsheet import FORMULA_START, neutralise, restore


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x.example","x")', '\'=HYPERLINK("http://x.example","x")'),
        ("@SUM(1)", "'@SUM(1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        # Already looking neutralised: one quote more, so that reading back is exact.
        ("'=x", "''=x"),
        ("''-1", "'''-1"),
        # Nothing a spreadsheet would run: as it is.
        ("'hello", "'hello"),
        ("'", "'"),
        ("Ana Ruiz", "Ana Ruiz"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_cells_are_neutralised_and_read_back(value: str, cell: str) -> None:
    assert neutralise(value) == cell
    assert restore(cell) == value


def test_only_text_is_touched() -> None:
    assert neutralise(-1) == -1 and neutralise(None) is None


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab"), max_size=8) | st.text(max_size=8))
def test_restore_undoes_neutralise_for_any_text(value: str) -> None:
    cell = neutralise(value)
    assert isinstance(cell, str) and restore(cell) == value
    assert cell[:1] not in FORMULA_START  # a spreadsheet runs nothing
