"""Ids and page numbers read from query strings and forms."""

from __future__ import annotations

import pytest

from matchmaker.ids import MAX_ID, page_number, parse_id, parse_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1), ("007", 7), (str(MAX_ID), MAX_ID), (f"000{MAX_ID}", MAX_ID),
        (str(MAX_ID + 1), None), (str(2**63), None), ("9" * 5000, None), ("0", None),
        ("", None), (None, None), ("-1", None), ("+1", None), (" 1", None), ("1.0", None),
        ("²", None), ("1²", None), ("٣", None), ("１", None), ("1_000", None), ("0x1", None),
    ],
)  # fmt: skip
def test_parse_id(text: str | None, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_parse_ids_keeps_the_good_ones_in_order() -> None:
    assert parse_ids(["3", "²", "1", str(10**30), "", "2"]) == [3, 1, 2]


@pytest.mark.parametrize(
    ("text", "last", "expected"),
    [
        (None, None, 1), ("x", 5, 1), ("0", 5, 1), ("-3", 5, 1), ("²", 5, 1), ("3", 5, 3),
        ("3", None, 3), ("6", 5, 5), (str(10**30), 5, 5), (str(10**30), None, MAX_ID),
        ("2", 0, 1),
    ],
)  # fmt: skip
def test_page_number(text: str | None, last: int | None, expected: int) -> None:
    assert page_number(text, last) == expected
