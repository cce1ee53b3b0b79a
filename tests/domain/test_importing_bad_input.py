"""Bad input the parser once crashed on or let through: each is now a row error, as data."""

from __future__ import annotations

import csv
import io

import pytest

from matchmaker.domain.importing import (
    MAX_LENGTHS,
    MAX_MEETINGS,
    REQUIRED_COLUMNS,
    RowError,
    parse_participants,
)

HEADER = list(REQUIRED_COLUMNS)
GOOD = {
    "id": "g-1", "kind": "government", "name": "Ana Ruiz", "organisation": "Ayuntamiento de Puebla",
    "organisation_type": "municipality", "role_title": "Alcaldesa", "email": "ana@example.org",
    "country": "MX", "city": "Puebla", "languages": "es;en", "themes": "urban-mobility",
    "description": "Tráfico y movilidad.",
}  # fmt: skip


def file_with(**changes: str) -> bytes:
    """A one-participant file (RFC 4180 quoting) with some cells changed or added."""
    row = GOOD | changes
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(row))
    writer.writerow(list(row.values()))
    return out.getvalue().encode("utf-8")


def only_error(data: bytes) -> RowError:
    parsed = parse_participants(data)
    assert not parsed.ok and parsed.records == []
    assert len(parsed.errors) == 1, parsed.errors
    return parsed.errors[0]


def test_errors_are_data_with_the_english_wording_kept() -> None:
    error = only_error(file_with(themes="smart-parking"))
    assert (error.line, error.column, error.code) == (2, "themes", "unknown_theme")
    assert error.params["value"] == "smart-parking"
    assert str(error).startswith("line 2, column themes: unknown theme 'smart-parking' (allowed: ")


@pytest.mark.parametrize("value", ["99999999999999999999", "1001", "9" * 5000])
def test_a_huge_meeting_cap_is_an_error(value: str) -> None:
    error = only_error(file_with(max_meetings=value))
    assert (error.column, error.code) == ("max_meetings", "too_many_meetings")
    assert error.params["limit"] == MAX_MEETINGS and len(str(error)) < 200


def test_the_largest_cap_is_accepted() -> None:
    parsed = parse_participants(file_with(max_meetings=str(MAX_MEETINGS), unavailable="0;9999"))
    assert parsed.ok and parsed.records[0].max_meetings == MAX_MEETINGS
    assert parsed.records[0].unavailable == (0, 9999)


@pytest.mark.parametrize("value", ["²", "٣", "３", "1²", "-1", "+2", "1.0", " 1 2"])
def test_only_ascii_digits_are_a_cap(value: str) -> None:
    error = only_error(file_with(max_meetings=value))
    assert (error.column, error.code) == ("max_meetings", "not_whole_number")


@pytest.mark.parametrize("value", ["²", "٣", "1;²", "0;٣"])
def test_only_ascii_digits_are_a_slot(value: str) -> None:
    error = only_error(file_with(unavailable=value))
    assert (error.column, error.code) == ("unavailable", "not_slot_number")


@pytest.mark.parametrize("value", ["10000", "99999999999999999999", "1" * 5000])
def test_a_huge_slot_is_an_error(value: str) -> None:
    error = only_error(file_with(unavailable=value))
    assert (error.column, error.code) == ("unavailable", "slot_too_large")


@pytest.mark.parametrize("column", sorted(MAX_LENGTHS))
def test_every_free_text_column_is_checked_against_its_limit(column: str) -> None:
    limit = MAX_LENGTHS[column]
    too_long = "x" * (limit + 1) if column != "email" else "a" * (limit - 11) + "@example.org"
    error = only_error(file_with(**{column: too_long}))
    assert (error.column, error.code) == (column, "too_long")
    assert error.params == {"length": limit + 1, "limit": limit}
    assert (
        str(error)
        == f"line 2, column {column}: {limit + 1} characters, more than the {limit} this column holds"
    )


@pytest.mark.parametrize("column", sorted(set(MAX_LENGTHS) - {"email"}))
def test_a_value_at_the_limit_fits(column: str) -> None:
    parsed = parse_participants(file_with(**{column: "x" * MAX_LENGTHS[column]}))
    assert parsed.ok, parsed.errors


def test_an_email_at_the_limit_fits() -> None:
    labels = ".".join(["d" * 60] * 3)  # 182 characters of domain
    email = "a" * (254 - len(labels) - len("@.org")) + "@" + labels + ".org"
    assert len(email) == 254
    parsed = parse_participants(file_with(email=email))
    assert parsed.ok, parsed.errors


@pytest.mark.parametrize(
    ("column", "value", "char"),
    [
        ("id", "g-1\nx", "U+000A"),
        ("name", "Ana\r\nRuiz", "U+000D"),
        ("organisation", "Acme\x1b[31m", "U+001B"),
        ("role_title", "CTO\u2028Founder", "U+2028"),
        ("city", "Puebla\u202e", "U+202E"),
        ("email", "ana\u200b@example.org", "U+200B"),
        ("country", "M\x85X", "U+0085"),
        ("id", "g\t1", "U+0009"),
        ("description", "Bell\x07", "U+0007"),
        ("description", "stray\ufeffBOM", "U+FEFF"),
    ],
)
def test_line_breaks_and_control_characters_are_refused(column: str, value: str, char: str) -> None:
    error = only_error(file_with(**{column: value}))
    assert (error.line, error.column, error.code) == (2, column, "hidden_character")
    assert error.params == {"char": char}


def test_text_keeps_tabs_line_breaks_and_the_joiners_scripts_need() -> None:
    data = file_with(
        name="Ana\tRuiz",
        organisation="\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # ZWNJ (Persian)
        description="Primera línea.\r\nSegunda\u2028y tercera.",
        city="Puebla\u200e",
    )
    parsed = parse_participants(data)
    assert parsed.ok, parsed.errors
    assert parsed.records[0].description == "Primera línea.\r\nSegunda\u2028y tercera."


@pytest.mark.parametrize(
    ("data", "line", "code"),
    [
        (b"", 1, "empty_file"),
        (b"\xef\xbb\xbf", 1, "empty_file"),
        (b"\r\n" + file_with(), 1, "no_header"),
        (",".join(HEADER).encode() + b"\r\n", 2, "no_participants"),
        (",".join(HEADER).encode() + b"\r\n\r\n\r\n", 2, "no_participants"),
        (file_with() + b'g-2,"unclosed\r\n', 3, "malformed_csv"),
        (file_with() + b'"g-2"x,government\r\n', 3, "malformed_csv"),
        (file_with() + b"g-3,\xff\xfe\r\n", 3, "not_utf8"),
        (file_with() + b"g-3,gov\x00ernment\r\n", 3, "nul_character"),
        (file_with(description="x" * 200_000), 2, "field_too_large"),
    ],
)
def test_broken_files_are_named_not_raised(data: bytes, line: int, code: str) -> None:
    parsed = parse_participants(data)
    assert parsed.records == []
    assert [(e.line, e.code) for e in parsed.errors] == [(line, code)]
    assert str(parsed.errors[0])  # has English words


def test_a_second_bom_is_an_unknown_column_not_a_crash() -> None:
    parsed = parse_participants(b"\xef\xbb\xbf" + b"\xef\xbb\xbf" + file_with())
    assert {(e.line, e.code) for e in parsed.errors} == {
        (1, "unknown_column"),
        (1, "missing_column"),
    }


def test_quoted_values_are_cut_in_messages() -> None:
    error = only_error(file_with(themes="t" * 10_000))
    assert error.code == "unknown_theme" and len(error.params["value"]) == 80
    assert len(str(error)) < 400


@pytest.mark.parametrize(
    ("cell", "value"),
    [("'=HYPERLINK(\"x\")", '=HYPERLINK("x")'), ("'@SUM(1)", "@SUM(1)"), ("'+1", "+1"),
     ("'-1", "-1"), ("''=x", "'=x"), ("'Ana", "'Ana"), ("=raw", "=raw")],
)  # fmt: skip
def test_a_neutralised_cell_reads_back_as_its_value(cell: str, value: str) -> None:
    parsed = parse_participants(file_with(name=cell, id=cell))
    assert parsed.ok, parsed.errors
    assert (parsed.records[0].name, parsed.records[0].id) == (value, value)
