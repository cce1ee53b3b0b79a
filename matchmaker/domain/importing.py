"""Parsing and validating participant files (design.md, "Participants file").

All or nothing: :func:`parse_participants` returns either records or every error found, each
with its line number, column and reason; the caller writes nothing when there is an error.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from babel import Locale
from babel.localedata import locale_identifiers
from email_validator import EmailNotValidError, validate_email

from matchmaker.domain.vocabulary import KINDS, ORGANISATION_TYPES, THEMES

REQUIRED_COLUMNS = (
    "id", "kind", "name", "organisation", "organisation_type", "role_title",
    "email", "country", "city", "languages", "themes", "description",
)  # fmt: skip
OPTIONAL_COLUMNS = ("unavailable", "max_meetings")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: The per-row error callback: fail(column, message).
_Fail = Callable[[str, str], None]

_LANGUAGE_CODES = frozenset(code for code in locale_identifiers() if len(code) == 2)
# CLDR also lists pseudo-regions (EU, UN, ZZ "unknown", XA/XB test regions): not countries.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
_COUNTRY_CODES = frozenset(
    code
    for code in Locale("en").territories
    if re.fullmatch("[A-Z]{2}", code) and code not in _NOT_COUNTRIES
)


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


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ParsedFile:
    records: list[ParticipantRecord]
    errors: list[RowError]
    #: Optional columns present in the file (export writes them back).
    optional_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(Exception):
    """An import was refused; ``errors`` names every bad row."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.line, e.column))
        super().__init__(f"{len(self.errors)} error(s) in the participants file")

    def report(self) -> str:
        lines = [f"Import rejected, nothing was written ({len(self.errors)} error(s)):"]
        lines += [f"  {error}" for error in self.errors]
        return "\n".join(lines)


def parse_participants(data: bytes) -> ParsedFile:
    """Decode, parse and validate a participants file; collect every error."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return ParsedFile([], [RowError(line, "", "the file is not UTF-8 text (wrong encoding)")])
    rows = list(_rows_with_lines(text))
    if not rows:
        return ParsedFile([], [RowError(1, "", "the file is empty: a header row is needed")])
    (_, header), body = rows[0], rows[1:]
    header = [name.strip() for name in header]
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
    errors += _duplicate_errors(records)
    optional = tuple(c for c in OPTIONAL_COLUMNS if c in header)
    return ParsedFile(records if not errors else [], errors, optional)


def _rows_with_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV rows with the line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, [f"\0csv:{exc}"]
            return
        yield start, values
        start = reader.line_num + 1


def _header_errors(header: list[str]) -> list[RowError]:
    errors = [
        RowError(1, name, "unknown column (allowed: " + ", ".join(ALL_COLUMNS) + ")")
        for name in header
        if name not in ALL_COLUMNS
    ]
    errors += [RowError(1, name, "required column missing") for name in REQUIRED_COLUMNS
               if name not in header]  # fmt: skip
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(RowError(1, name, "column appears twice"))
        seen.add(name)
    return errors


def _parse_row(
    line: int, header: list[str], values: list[str]
) -> tuple[ParticipantRecord | None, list[RowError]]:
    if values and values[0].startswith("\0csv:"):
        return None, [RowError(line, "", "malformed CSV: " + values[0][5:])]
    if len(values) != len(header):
        message = f"expected {len(header)} fields, found {len(values)}"
        return None, [RowError(line, "", message)]
    raw = {name: value.strip() for name, value in zip(header, values, strict=True)}
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for name in REQUIRED_COLUMNS:
        if not raw[name]:
            fail(name, "a value is required")
    kind = raw["kind"]
    if kind and kind not in KINDS:
        fail("kind", f"unknown kind {kind!r} (allowed: government, partner)")
    allowed_types = ORGANISATION_TYPES.get(kind, ())
    if raw["organisation_type"] and kind in KINDS and raw["organisation_type"] not in allowed_types:
        fail(
            "organisation_type",
            f"unknown organisation type {raw['organisation_type']!r} for {kind} "
            f"(allowed: {', '.join(allowed_types)})",
        )
    if raw["email"]:
        _check_email(raw["email"], fail)
    if raw["country"] and raw["country"] not in _COUNTRY_CODES:
        fail("country", f"unknown country code {raw['country']!r} (ISO 3166-1 alpha-2, e.g. MX)")
    languages = _split_list(raw["languages"])
    for code in languages:
        if code not in _LANGUAGE_CODES:
            fail("languages", f"unknown language code {code!r} (ISO 639-1, e.g. es;en)")
    themes = _split_list(raw["themes"])
    for slug in themes:
        if slug not in THEMES:
            fail("themes", f"unknown theme {slug!r} (allowed: {', '.join(THEMES)})")
    unavailable = _parse_slots(raw.get("unavailable", ""), fail)
    max_meetings = _parse_cap(raw.get("max_meetings", ""), fail)
    if errors:
        return None, errors
    record = ParticipantRecord(
        id=raw["id"], kind=kind, name=raw["name"], organisation=raw["organisation"],
        organisation_type=raw["organisation_type"], role_title=raw["role_title"],
        email=raw["email"], country=raw["country"], city=raw["city"],
        languages=languages, themes=themes, description=raw["description"],
        unavailable=unavailable, max_meetings=max_meetings, line=line,
    )  # fmt: skip
    return record, []


def _check_email(email: str, fail: _Fail) -> None:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        fail("email", f"invalid email address {email!r}: {exc}")


def _split_list(value: str) -> tuple[str, ...]:
    """A ';'-separated list, de-duplicated, in the order given."""
    items = (item.strip() for item in value.split(";"))
    return tuple(dict.fromkeys(item for item in items if item))


def _parse_slots(value: str, fail: _Fail) -> tuple[int, ...]:
    slots: list[int] = []
    for item in _split_list(value):
        if not item.isdigit():
            fail("unavailable", f"{item!r} is not a slot number (0, 1, 2, …)")
        else:
            slots.append(int(item))
    return tuple(sorted(set(slots)))


def _parse_cap(value: str, fail: _Fail) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        fail("max_meetings", f"{value!r} is not a whole number of meetings")
        return None
    return int(value)


def _duplicate_errors(records: Iterable[ParticipantRecord]) -> list[RowError]:
    """Ids and emails must be unique within the file; name the line of the first use."""
    errors: list[RowError] = []
    first_id: dict[str, int] = {}
    first_email: dict[str, int] = {}
    for record in records:
        if record.id in first_id:
            message = f"duplicate id {record.id!r} (first on line {first_id[record.id]})"
            errors.append(RowError(record.line, "id", message))
        else:
            first_id[record.id] = record.line
        email = record.email.casefold()
        if email in first_email:
            message = f"duplicate email {record.email!r} (first on line {first_email[email]})"
            errors.append(RowError(record.line, "email", message))
        else:
            first_email[email] = record.line
    return errors


def write_participants(
    records: Iterable[ParticipantRecord], out: io.TextIOBase, optional_columns: Iterable[str] = ()
) -> None:
    """Write records in the import format (CRLF, RFC 4180 quoting, ';' lists)."""
    optional = [c for c in OPTIONAL_COLUMNS if c in set(optional_columns)]
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*REQUIRED_COLUMNS, *optional])
    for record in records:
        row = [_field_text(record, name) for name in (*REQUIRED_COLUMNS, *optional)]
        writer.writerow(row)


def _field_text(record: ParticipantRecord, name: str) -> str:
    value = getattr(record, name)
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return "" if value is None else str(value)
