"""Ids and page numbers from URLs, query strings and forms: only what an id column holds.

Id columns are INTEGER: 32 bits on PostgreSQL, where a larger number is refused ("integer out
of range"), 64 on SQLite (OverflowError beyond). Such values must stop at the edge, so there are
two mechanisms, used everywhere: the ``<int:…>`` URL converter (an id out of range does not
match the route, so it is a 404) and ``parse_id``/``parse_ids``/``page_number`` for query
strings and form lists (ASCII digits only: ``"²".isdigit()`` is true, but ``int("²")`` raises).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.routing import IntegerConverter, Map, ValidationError

#: The largest id an INTEGER column holds on every backend (PostgreSQL's 32-bit signed).
MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def _numbers_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (leading zeros allowed)."""
    digits = str(limit)
    options = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for position, digit in enumerate(digits):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - position - 1
            options.append(f"{digits[:position]}[{lowest}-{int(digit) - 1}][0-9]{{{rest}}}")
    return "0*(?:" + "|".join([*options, digits]) + ")"


class IdConverter(IntegerConverter):
    """``<int:x>`` for ids: ASCII digits, at most ``MAX_ID`` (else the route does not match)."""

    # The range is in the pattern itself, not only in ``to_python``: werkzeug refuses a value
    # its converter rejects with 405 when another rule on the same path takes other methods
    # (POST /events/<too big>/pairs would be "use GET"); a pattern that does not match is a 404.
    regex = _numbers_up_to(MAX_ID)

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bound = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits, min, bound, signed)

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("-0")) > _MAX_DIGITS:  # out of range; no need to convert it
            raise ValidationError()
        return super().to_python(value)


def _digits(value: str | None) -> str | None:
    """The significant ASCII digits of ``value`` ("" for zero), or None when it is not a
    plain non-negative number."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    return value.lstrip("0")


def parse_id(value: str | None) -> int | None:
    """An id written in ASCII digits within 1..MAX_ID, else None."""
    digits = _digits(value)
    if not digits or len(digits) > _MAX_DIGITS:
        return None
    number = int(digits)
    return number if number <= MAX_ID else None


def parse_ids(values: Iterable[str]) -> list[int]:
    """The valid ids among form values (``ids=…`` repeated), in order; others are dropped."""
    return [number for number in map(parse_id, values) if number is not None]


def page_number(value: str | None, last: int | None = None) -> int:
    """A 1-based page from ``?page=``: malformed is page 1, too large is the largest id, and
    with ``last`` (the number of pages) past the end is the last page, so OFFSET stays small."""
    digits = _digits(value)
    if not digits:
        page = 1
    elif len(digits) > _MAX_DIGITS:
        page = MAX_ID
    else:
        page = min(int(digits), MAX_ID)
    return page if last is None else min(page, max(1, last))
