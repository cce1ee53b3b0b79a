"""What can be wrong with a participants file, as data: a code, where, and the details.

The command line prints each error in English (``str(error)``); the web app words the same code
and parameters in the reader's language (``matchmaker/organiser/import_errors.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: Every error code with its English wording (``str.format`` fields are the error's params).
MESSAGES: dict[str, str] = {
    # The file as a whole.
    "not_utf8": "the file is not UTF-8 text (wrong encoding)",
    "nul_character": "the file contains a NUL character: it is not a CSV text file",
    "empty_file": "the file is empty: a header row is needed",
    "no_header": "the first line is empty: it must be the header row",
    "no_participants": "the file has a header row but no participants",
    "unknown_column": "unknown column (allowed: {allowed})",
    "missing_column": "required column missing",
    "duplicate_column": "column appears twice",
    "malformed_csv": "malformed CSV: {detail}",
    "field_too_large": "a field is longer than {limit} characters",
    "field_count": "expected {expected} fields, found {found}",
    # One value.
    "required": "a value is required",
    "too_long": "{length} characters, more than the {limit} this column holds",
    "hidden_character": (
        "contains a line break or an invisible control character ({char}), "
        "which this column cannot hold"
    ),
    "unknown_kind": "unknown kind {value!r} (allowed: {allowed})",
    "unknown_organisation_type": (
        "unknown organisation type {value!r} for {kind} (allowed: {allowed})"
    ),
    "invalid_email": "invalid email address {value!r}: {reason}",
    "unknown_country": "unknown country code {value!r} (ISO 3166-1 alpha-2, e.g. MX)",
    "unknown_language": "unknown language code {value!r} (ISO 639-1, e.g. es;en)",
    "unknown_theme": "unknown theme {value!r} (allowed: {allowed})",
    "not_slot_number": "{value!r} is not a slot number (0, 1, 2, …)",
    "slot_too_large": "slot {value} is beyond the last slot a file may name ({limit})",
    "not_whole_number": "{value!r} is not a whole number of meetings",
    "too_many_meetings": "{value} meetings is more than the {limit} a participant may have",
    # Rows against each other.
    "duplicate_id": "duplicate id {value!r} (first on line {first})",
    "duplicate_email": "duplicate email {value!r} (first on line {first})",
    # Rows against the stored event.
    "kind_change": "{value!r} is already a {kind}; the kind cannot change",
    "email_taken": "email {value!r} already belongs to participant {owner!r}",
    "no_such_slot": "slot(s) [{slots}] do not exist (the event has {num_slots} slots)",
}

#: An error's details: the values its message quotes.
Params = Mapping[str, str | int]

#: Values quoted in a message are cut to this many characters (a 100,000-character cell
#: must not come back as a 100,000-character error).
SHOWN_MAX = 80


def shown(value: str) -> str:
    """``value`` as an error quotes it: cut with "…" when long."""
    return value if len(value) <= SHOWN_MAX else value[: SHOWN_MAX - 1] + "…"


@dataclass(frozen=True)
class RowError:
    """One problem: where (``line``, ``column``; empty for the whole row or file), what
    (``code``, a key of :data:`MESSAGES`) and the details its message needs (``params``)."""

    line: int
    column: str
    code: str
    params: Params = field(default_factory=dict, hash=False)

    @property
    def message(self) -> str:
        """The English reason (the command line's wording)."""
        return MESSAGES[self.code].format(**self.params)

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """An import was refused; ``errors`` names every bad row."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.line, e.column))
        super().__init__(f"{len(self.errors)} error(s) in the participants file")

    def report(self) -> str:
        lines = [f"Import rejected, nothing was written ({len(self.errors)} error(s)):"]
        lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)
