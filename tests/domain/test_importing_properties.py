"""Properties of the participants parser, whatever it is fed: it never raises; it returns
records or errors, never both; what it accepts fits the database and round-trips exactly."""

from __future__ import annotations

import csv
import io
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matchmaker.domain.importing import (
    ALL_COLUMNS,
    MAX_LENGTHS,
    MAX_MEETINGS,
    MAX_SLOTS,
    MESSAGES,
    ParsedFile,
    parse_participants,
    write_participants,
)

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GOVERNMENT = {
    "id": "g-1", "kind": "government", "name": "Ana Ruiz", "organisation": "Ayuntamiento",
    "organisation_type": "municipality", "role_title": "Alcaldesa", "email": "ana@example.org",
    "country": "MX", "city": "Puebla", "languages": "es;en", "themes": "urban-mobility",
    "description": "Tráfico.", "unavailable": "", "max_meetings": "",
}  # fmt: skip
PARTNER = GOVERNMENT | {
    "id": "p-1", "kind": "partner", "organisation_type": "company", "email": "bob@example.com",
    "themes": "urban-mobility;urban-planning", "unavailable": "1;3", "max_meetings": "4",
}  # fmt: skip

#: Values that once broke the importer or look like they might.
NASTY = st.sampled_from([
    "", " ", "99999999999999999999", "²", "٣", "-1", "1001", "0", "=HYPERLINK(\"x\")", "@SUM(1)",
    "+1", "'=x", "''-1", "'", "a\nb", "a\r\nb", "\x1b[2J", "\u202e", "\ufeff", "\u2028",
    "x" * 101, "x" * 201, "x" * 255, "x" * 5001, '"', 'a"b', ";;", "es;xx", "MEX", "government",
    "partner", "company", "municipality", "a@b", "ana@example.org", "\t", "\u200d",
])  # fmt: skip
IDS = st.sampled_from(["g-1", "g-2", "p-1", "p-2", "-1", "=1", "'@x"])
EMAILS = st.sampled_from(["ana@example.org", "bob@example.com", "ANA@example.org", "c@example.net",
                          "=c@example.net", "+d@example.net"])  # fmt: skip


@st.composite
def rows(draw: st.DrawFn, max_changes: int = 3) -> dict[str, str]:
    """A good row with a few cells (up to ``max_changes``) replaced by anything."""
    row = dict(draw(st.sampled_from([GOVERNMENT, PARTNER])))
    row["id"], row["email"] = draw(IDS), draw(EMAILS)
    for column in draw(st.sets(st.sampled_from(ALL_COLUMNS), max_size=max_changes)):
        row[column] = draw(NASTY | st.text(max_size=12))
    return row


@st.composite
def files(draw: st.DrawFn, max_changes: int = 3) -> bytes:
    """A participants file of up to five such rows, written as a spreadsheet would."""
    columns = list(ALL_COLUMNS[: draw(st.sampled_from([12, 13, 14]))])
    body = draw(st.lists(rows(max_changes), max_size=5))
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(columns)
    writer.writerows([row[c] for c in columns] for row in body)
    prefix = draw(st.sampled_from(["", "\ufeff"]))
    return (prefix + out.getvalue()).encode("utf-8")


def check_outcome(parsed: ParsedFile) -> None:
    """Records or errors, never both; every error is a known code with words."""
    assert isinstance(parsed, ParsedFile)
    assert bool(parsed.records) != bool(parsed.errors)
    for error in parsed.errors:
        assert error.code in MESSAGES and error.line >= 1
        assert str(error).startswith(f"line {error.line}")
        assert len(error.column) <= 80


def check_fits_the_database(parsed: ParsedFile) -> None:
    for record in parsed.records:
        for column, limit in MAX_LENGTHS.items():
            value = getattr(record, column)
            assert 0 < len(value) <= limit
        for value in (record.id, record.email, record.name, record.organisation, record.city):
            assert "\n" not in value and "\r" not in value and "\0" not in value
            assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") and c != "\t"
                           for c in value)  # fmt: skip
        assert record.max_meetings is None or 0 <= record.max_meetings <= MAX_MEETINGS
        assert all(0 <= slot < MAX_SLOTS for slot in record.unavailable)


def check_round_trip(parsed: ParsedFile) -> None:
    """What was accepted is written back so that it reads back the same, byte for byte."""
    out = io.StringIO(newline="")
    write_participants(parsed.records, out, parsed.optional_columns)
    again = parse_participants(out.getvalue().encode("utf-8"))
    assert again.ok and again.records == parsed.records
    second = io.StringIO(newline="")
    write_participants(again.records, second, again.optional_columns)
    assert second.getvalue() == out.getvalue()


@SETTINGS
@given(st.binary(max_size=3000))
def test_any_bytes_give_records_or_errors(data: bytes) -> None:
    check_outcome(parse_participants(data))


#: A row that once crashed the parser (int("²") after "²".isdigit()): always tried.
CRASHED = (",".join(ALL_COLUMNS) + "\r\n" + ",".join({**GOVERNMENT, "max_meetings": "²"}.values())
           + "\r\n").encode()  # fmt: skip


@SETTINGS
@given(files())
@example(CRASHED)
def test_any_rows_give_records_or_errors_and_accepted_rows_fit_and_round_trip(data: bytes):
    parsed = parse_participants(data)
    check_outcome(parsed)
    check_fits_the_database(parsed)
    if parsed.ok:
        check_round_trip(parsed)


@SETTINGS
@given(files(), st.data())
def test_any_text_mutation_gives_records_or_errors(data: bytes, choice: st.DataObject) -> None:
    text = data.decode("utf-8")
    position = choice.draw(st.integers(0, len(text)))
    inserted = choice.draw(st.text(alphabet=st.characters(codec="utf-8"), max_size=4) | NASTY)
    cut = choice.draw(st.integers(0, 3))
    mutated = (text[:position] + inserted + text[position + cut :]).encode("utf-8")
    parsed = parse_participants(mutated)
    check_outcome(parsed)
    check_fits_the_database(parsed)
