"""Parsing and validating participant files (design.md, "Participants file").

All or nothing: :func:`parse_participants` returns either records or every error found, each
with its line number, column and reason; the caller writes nothing when there is an error.
It never raises, whatever the bytes: anything it cannot read is an error in the list.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from babel import Locale
from email_validator import EmailNotValidError, validate_email

from matchmaker.domain.import_errors import MESSAGES, ImportRejected, Params, RowError, shown
from matchmaker.domain.spreadsheet import neutralise_row, restore
from matchmaker.domain.vocabulary import KINDS, LANGUAGE_CODES, ORGANISATION_TYPES, THEMES

__all__ = [
    "ALL_COLUMNS", "COUNTRY_CODES", "MAX_LENGTHS", "MAX_MEETINGS", "MAX_SLOTS", "MESSAGES",
    "ImportRejected", "ParsedFile", "ParticipantRecord", "RowError", "parse_participants",
    "parse_record", "parse_records", "write_participants",
]  # fmt: skip

REQUIRED_COLUMNS = (
    "id", "kind", "name", "organisation", "organisation_type", "role_title",
    "email", "country", "city", "languages", "themes", "description",
)  # fmt: skip
OPTIONAL_COLUMNS = ("unavailable", "max_meetings")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: The longest value each free-text column may hold: the sizes of the participant table's
#: columns (a test in tests/services/test_participants.py checks the model agrees), and for the
#: description (unbounded in the database) the profile page's limit. The other columns hold
#: codes from a fixed list, all shorter than their columns.
MAX_LENGTHS: dict[str, int] = {
    "id": 100, "name": 200, "organisation": 200, "role_title": 200, "email": 254,
    "city": 200, "description": 5000,
}  # fmt: skip
#: The highest meeting cap a file may give, and how many slot indexes (0 to MAX_SLOTS - 1)
#: it may name; the event's own slots are checked when the file is imported into it.
MAX_MEETINGS = 1000
MAX_SLOTS = 10_000

#: Invisible characters each column may hold. Free text may hold tabs and the format
#: characters some scripts need to be spelt right (soft hyphen, zero-width non-joiner and
#: joiner, left-to-right and right-to-left marks); the description may also hold line
#: breaks. Everything else of categories Cc, Cf, Zl and Zp (line breaks, NUL, escape codes,
#: bidirectional overrides, a stray BOM…) is refused: one-line values end up in mail headers.
#: So is a lone surrogate (Cs): no text file holds one, but a JSON string may ("\ud800"),
#: and no database column can store it.
_TEXT_FORMAT = "\t\u00ad\u200c\u200d\u200e\u200f"
_ALLOWED_HIDDEN: dict[str, frozenset[str]] = {
    **dict.fromkeys(("name", "organisation", "role_title", "city"), frozenset(_TEXT_FORMAT)),
    "description": frozenset(_TEXT_FORMAT + "\n\r\u2028\u2029"),
}
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_DIGITS = re.compile("[0-9]+")

#: The per-row error callback: fail(column, code, **params).
_Fail = Callable[..., None]

# CLDR also lists pseudo-regions (EU, UN, ZZ "unknown", XA/XB test regions): not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
_COUNTRY_CODES = frozenset(
    code
    for code in Locale("en").territories
    if isinstance(code, str) and re.fullmatch("[A-Z]{2}", code) and code not in _NOT_COUNTRIES
)
#: The country codes a file may give (ISO 3166-1 alpha-2 as CLDR knows them): forms offer these.
COUNTRY_CODES = _COUNTRY_CODES


@dataclass(frozen=True)
class ParticipantRecord:
    """One valid row of a participants file."""

    id: str
    kind: str
    name: str
    organisation: str
    organisation_type: str
    role_title: str
    email: str
    country: str
    city: str
    languages: tuple[str, ...]
    themes: tuple[str, ...]
    description: str
    unavailable: tuple[int, ...] = ()
    max_meetings: int | None = None
    line: int = field(default=0, compare=False)


@dataclass
class ParsedFile:
    records: list[ParticipantRecord]
    errors: list[RowError]
    #: Optional columns present in the file (export writes them back).
    optional_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


_Rows = list[tuple[int, list[str]]]


def parse_participants(data: bytes) -> ParsedFile:
    """Decode, parse and validate a participants file; collect every error."""
    text, error = _decode(data)
    if error is not None:
        return ParsedFile([], [error])
    rows, csv_error = _read_rows(text)
    if not rows:
        return ParsedFile([], [csv_error or RowError(1, "", "empty_file")])
    (_, first), body = rows[0], rows[1:]
    header = [name.strip() for name in first]
    errors = _header_errors(header)
    if errors:
        return ParsedFile([], errors)
    records: list[ParticipantRecord] = []
    for line, values in body:
        if not any(v.strip() for v in values):
            continue  # blank lines (often a trailing one) carry nothing
        record, row_errors = _parse_row(line, header, values)
        errors += row_errors
        if record is not None:
            records.append(record)
    if csv_error is not None:
        errors.append(csv_error)
    errors += _duplicate_errors(records)
    if not records and not errors:
        errors.append(RowError(2, "", "no_participants"))
    optional = tuple(c for c in OPTIONAL_COLUMNS if c in header)
    return ParsedFile(records if not errors else [], errors, optional)


def parse_record(values: Mapping[str, str]) -> tuple[ParticipantRecord | None, list[RowError]]:
    """One participant given column by column (a form, say), checked by exactly the rules a
    file's row is: a record, or every error (``line`` 0, ``column`` the column at fault).
    Columns missing from ``values`` are blank."""
    return _parse_row(0, list(ALL_COLUMNS), [values.get(name, "") for name in ALL_COLUMNS])


def parse_records(rows: Sequence[Mapping[str, str]]) -> ParsedFile:
    """Many participants given column by column (the API's JSON list, say), each checked as
    a file's row is and all against each other (ids and emails unique, as in a file): the
    records, or every error. A record's and an error's ``line`` is the row's index."""
    records: list[ParticipantRecord] = []
    errors: list[RowError] = []
    for index, values in enumerate(rows):
        record, row_errors = _parse_row(index, list(ALL_COLUMNS),
                                        [values.get(name, "") for name in ALL_COLUMNS])  # fmt: skip
        errors += row_errors
        if record is not None:
            records.append(record)
    errors += _duplicate_errors(records)
    return ParsedFile(records if not errors else [], errors, OPTIONAL_COLUMNS)


def _decode(data: bytes) -> tuple[str, RowError | None]:
    """The file's text (a BOM is dropped), or why it is not a text file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return "", RowError(data[: exc.start].count(b"\n") + 1, "", "not_utf8")
    if "\0" in text:
        return "", RowError(text.count("\n", 0, text.index("\0")) + 1, "", "nul_character")
    return text, None


def _read_rows(text: str) -> tuple[_Rows, RowError | None]:
    """CSV rows with the line each starts on (quoted fields may span lines), up to the first
    malformed row, and the error naming that row's line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: _Rows = []
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return rows, None
        except csv.Error as exc:
            # The csv module says why only in words; its one limit is worth its own code.
            if "field limit" in str(exc):
                limit = csv.field_size_limit()
                return rows, RowError(start, "", "field_too_large", {"limit": limit})
            return rows, RowError(start, "", "malformed_csv", {"detail": str(exc)})
        rows.append((start, values))
        start = reader.line_num + 1


def _header_errors(header: list[str]) -> list[RowError]:
    if not any(header):
        return [RowError(1, "", "no_header")]
    allowed = ", ".join(ALL_COLUMNS)
    errors = [
        RowError(1, shown(name), "unknown_column", {"allowed": allowed})
        for name in header
        if name not in ALL_COLUMNS
    ]
    errors += [RowError(1, name, "missing_column") for name in REQUIRED_COLUMNS
               if name not in header]  # fmt: skip
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(RowError(1, shown(name), "duplicate_column"))
        seen.add(name)
    return errors


def _parse_row(
    line: int, header: list[str], values: list[str]
) -> tuple[ParticipantRecord | None, list[RowError]]:
    """One data row: a record, or every error in it."""
    if len(values) != len(header):
        params = {"expected": len(header), "found": len(values)}
        return None, [RowError(line, "", "field_count", params)]
    errors: list[RowError] = []

    def fail(column: str, code: str, **params: str | int) -> None:
        errors.append(RowError(line, column, code, params))

    # A cell written neutralised by an export reads back as the value it stood for.
    raw = {name: restore(value.strip()) for name, value in zip(header, values, strict=True)}
    # Every column first: present, short enough, no hidden characters. A column that fails
    # here is not checked further (its value is blank, say, or a screenful).
    sound = {name: value for name, value in raw.items() if _check_cell(name, value, fail)}
    kind = sound.get("kind", "")
    if kind and kind not in KINDS:
        fail("kind", "unknown_kind", value=shown(kind), allowed=", ".join(KINDS))
    organisation_type = sound.get("organisation_type", "")
    allowed_types = ORGANISATION_TYPES.get(kind, ())
    if organisation_type and kind in KINDS and organisation_type not in allowed_types:
        fail("organisation_type", "unknown_organisation_type", value=shown(organisation_type),
             kind=kind, allowed=", ".join(allowed_types))  # fmt: skip
    if sound.get("email"):
        _check_email(sound["email"], fail)
    country = sound.get("country", "")
    if country and country not in _COUNTRY_CODES:
        fail("country", "unknown_country", value=shown(country))
    languages = _split_list(sound.get("languages", ""))
    for code in languages:
        if code not in LANGUAGE_CODES:
            fail("languages", "unknown_language", value=shown(code))
    themes = _split_list(sound.get("themes", ""))
    for slug in themes:
        if slug not in THEMES:
            fail("themes", "unknown_theme", value=shown(slug), allowed=", ".join(THEMES))
    unavailable = _parse_slots(sound.get("unavailable", ""), fail)
    max_meetings = _parse_cap(sound.get("max_meetings", ""), fail)
    if errors:
        return None, errors
    record = ParticipantRecord(
        id=raw["id"], kind=kind, name=raw["name"], organisation=raw["organisation"],
        organisation_type=organisation_type, role_title=raw["role_title"],
        email=raw["email"], country=country, city=raw["city"],
        languages=languages, themes=themes, description=raw["description"],
        unavailable=unavailable, max_meetings=max_meetings, line=line,
    )  # fmt: skip
    return record, []


def _check_cell(column: str, value: str, fail: _Fail) -> bool:
    """The checks every column shares; False (having reported why) when the value fails one."""
    if not value:
        if column in REQUIRED_COLUMNS:
            fail(column, "required")
            return False
        return True
    limit = MAX_LENGTHS.get(column)
    if limit is not None and len(value) > limit:
        fail(column, "too_long", length=len(value), limit=limit)
        return False
    hidden = _hidden_character(value, _ALLOWED_HIDDEN.get(column, frozenset()))
    if hidden is not None:
        fail(column, "hidden_character", char=f"U+{ord(hidden):04X}")
        return False
    return True


def _hidden_character(value: str, allowed: frozenset[str]) -> str | None:
    """The first line break or invisible control character not in ``allowed``, if any."""
    if value.isprintable():  # the common case, answered in C
        return None
    for char in value:
        if unicodedata.category(char) in _HIDDEN_CATEGORIES and char not in allowed:
            return char
    return None


def _check_email(email: str, fail: _Fail) -> None:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        fail("email", "invalid_email", value=shown(email), reason=str(exc))


def _split_list(value: str) -> tuple[str, ...]:
    """A ';'-separated list, de-duplicated, in the order given."""
    items = (item.strip() for item in value.split(";"))
    return tuple(dict.fromkeys(item for item in items if item))


def _whole_number(text: str) -> int | None:
    """``text`` as a number when it is ASCII digits only (``int()`` also takes "٣", and
    ``isdigit()`` "²"); numbers too long to matter come back as 10**18."""
    if not _DIGITS.fullmatch(text):
        return None
    digits = text.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 10**18


def _parse_slots(value: str, fail: _Fail) -> tuple[int, ...]:
    slots: list[int] = []
    for item in _split_list(value):
        number = _whole_number(item)
        if number is None:
            fail("unavailable", "not_slot_number", value=shown(item))
        elif number >= MAX_SLOTS:
            fail("unavailable", "slot_too_large", value=shown(item), limit=MAX_SLOTS - 1)
        else:
            slots.append(number)
    return tuple(sorted(set(slots)))


def _parse_cap(value: str, fail: _Fail) -> int | None:
    if not value:
        return None
    number = _whole_number(value)
    if number is None:
        fail("max_meetings", "not_whole_number", value=shown(value))
        return None
    if number > MAX_MEETINGS:
        fail("max_meetings", "too_many_meetings", value=shown(value), limit=MAX_MEETINGS)
        return None
    return number


def _duplicate_errors(records: Iterable[ParticipantRecord]) -> list[RowError]:
    """Ids and emails must be unique within the file; name the line of the first use."""
    errors: list[RowError] = []
    first_id: dict[str, int] = {}
    first_email: dict[str, int] = {}
    params: Params
    for record in records:
        if record.id in first_id:
            params = {"value": shown(record.id), "first": first_id[record.id]}
            errors.append(RowError(record.line, "id", "duplicate_id", params))
        else:
            first_id[record.id] = record.line
        email = record.email.casefold()
        if email in first_email:
            params = {"value": shown(record.email), "first": first_email[email]}
            errors.append(RowError(record.line, "email", "duplicate_email", params))
        else:
            first_email[email] = record.line
    return errors


def write_participants(
    records: Iterable[ParticipantRecord], out: io.TextIOBase, optional_columns: Iterable[str] = ()
) -> None:
    """Write records in the import format (CRLF, RFC 4180 quoting, ';' lists), every cell
    neutralised for spreadsheets (the importer reads it back as it was)."""
    optional = [c for c in OPTIONAL_COLUMNS if c in set(optional_columns)]
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*REQUIRED_COLUMNS, *optional])
    for record in records:
        row = [_field_text(record, name) for name in (*REQUIRED_COLUMNS, *optional)]
        writer.writerow(neutralise_row(row))


def _field_text(record: ParticipantRecord, name: str) -> str:
    value = getattr(record, name)
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return "" if value is None else str(value)
