"""Properties of the participants parser, whatever it is fed: it never raises; it returns
records or errors, never both; what it accepts fits the database and round-trips exactly."""

from __future__ import annotations

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
from tests.domain.participant_files import GOVERNMENT, NASTY, files

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
