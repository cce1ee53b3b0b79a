"""CSV cells that spreadsheets cannot run as formulas, and that read back exactly.

Spreadsheets run a cell that starts with ``= + - @`` (or a tab or carriage return before one)
as a formula, so every CSV we write goes through :func:`neutralise`: such a cell gets a leading
``'``, which spreadsheets show as plain text. So that the participants file still round-trips,
a cell that is already one or more ``'`` followed by one of those characters gets one ``'``
more, and :func:`restore` (used by the importer) takes exactly one off again:
``=SUM(1)`` ↔ ``'=SUM(1)``, ``'=SUM(1)`` ↔ ``''=SUM(1)``; ``'hello`` stays ``'hello``.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Spreadsheets run cells starting with these as formulas.
FORMULA_START = frozenset("=+-@\t\r")


def _looks_like_formula(text: str) -> bool:
    """Starts with a formula character, possibly behind any number of ``'``."""
    return text.lstrip("'")[:1] in FORMULA_START


def neutralise(value: object) -> object:
    """``value`` safe for a CSV cell: text that a spreadsheet would run gets a leading ``'``."""
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def neutralise_row(values: Iterable[object]) -> list[object]:
    return [neutralise(value) for value in values]


def restore(cell: str) -> str:
    """The value :func:`neutralise` was given for this cell (one leading ``'`` removed when
    what follows would have been neutralised; any other cell as it is)."""
    if cell.startswith("'") and _looks_like_formula(cell[1:]):
        return cell[1:]
    return cell
