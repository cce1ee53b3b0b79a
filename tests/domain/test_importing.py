"""The participants file parser: every class of bad input is named by line and column."""

from __future__ import annotations

import io

import pytest

from matchmaker.domain.importing import parse_participants, write_participants

HEADER = "id,kind,name,organisation,organisation_type,role_title,email,country,city,languages,themes,description"
GOOD_GOV = 'g-1,government,Ana Ruiz,Ayuntamiento de Puebla,municipality,Alcaldesa,ana@example.org,MX,Puebla,es;en,urban-mobility,"Tráfico, congestión y ""movilidad"""'
GOOD_PARTNER = "p-1,partner,Bob Lee,Acme,company,CTO,bob@example.com,US,Austin,en,urban-mobility;urban-planning,Traffic analytics."


def csv_bytes(*lines: str, newline: str = "\r\n", bom: bool = False) -> bytes:
    data = newline.join(lines).encode("utf-8") + newline.encode()
    return (b"\xef\xbb\xbf" if bom else b"") + data


def only_error(data: bytes) -> tuple[int, str, str]:
    parsed = parse_participants(data)
    assert not parsed.ok and parsed.records == []
    assert len(parsed.errors) == 1, parsed.errors
    error = parsed.errors[0]
    return error.line, error.column, error.message


def test_good_file_parses_with_quotes_bom_and_crlf() -> None:
    parsed = parse_participants(csv_bytes(HEADER, GOOD_GOV, GOOD_PARTNER, bom=True))
    assert parsed.ok
    gov, partner = parsed.records
    assert gov.description == 'Tráfico, congestión y "movilidad"'
    assert gov.languages == ("es", "en")
    assert partner.themes == ("urban-mobility", "urban-planning")
    assert (gov.line, partner.line) == (2, 3)


def test_lf_line_endings_and_quoted_newlines_keep_line_numbers() -> None:
    multiline = GOOD_GOV.replace('"Tráfico, ', '"Tráfico,\nsegunda línea, ')
    bad = GOOD_PARTNER.replace("p-1", "p-2").replace("bob@", "eve@").replace("company", "bakery")
    parsed = parse_participants(csv_bytes(HEADER, multiline, GOOD_PARTNER, bad, newline="\n"))
    assert [(e.line, e.column) for e in parsed.errors] == [(5, "organisation_type")]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (GOOD_GOV.replace("urban-mobility", "smart-parking"), "themes", "unknown theme"),
        (GOOD_GOV.replace("government", "citizen"), "kind", "unknown kind"),
        (GOOD_GOV.replace("municipality", "company"), "organisation_type", "unknown organisation"),
        (GOOD_GOV.replace("ana@example.org", "ana.example.org"), "email", "invalid email"),
        (GOOD_GOV.replace("Ana Ruiz", ""), "name", "required"),
        (GOOD_GOV.replace("es;en", "es;xx"), "languages", "unknown language"),
        (GOOD_GOV.replace(",MX,", ",ZZ,"), "country", "unknown country"),
        (GOOD_GOV.replace(",urban-mobility,", ",,"), "themes", "required"),
    ],
)
def test_bad_value_is_named(row: str, column: str, fragment: str) -> None:
    line, got_column, message = only_error(csv_bytes(HEADER, GOOD_PARTNER, row))
    assert (line, got_column) == (3, column)
    assert fragment in message


def test_duplicate_id_and_email_name_both_lines() -> None:
    dup_id = GOOD_PARTNER.replace("bob@", "other@")
    dup_email = GOOD_PARTNER.replace("p-1", "p-9")
    parsed = parse_participants(csv_bytes(HEADER, GOOD_PARTNER, dup_id, dup_email))
    described = [str(e) for e in parsed.errors]
    assert described == [
        "line 3, column id: duplicate id 'p-1' (first on line 2)",
        "line 4, column email: duplicate email 'bob@example.com' (first on line 2)",
    ]


def test_unknown_and_missing_columns_are_errors() -> None:
    header = HEADER.replace(",city", ",town")
    parsed = parse_participants(csv_bytes(header, GOOD_GOV))
    assert {(e.line, e.column) for e in parsed.errors} == {(1, "town"), (1, "city")}


def test_wrong_encoding_names_the_line() -> None:
    data = csv_bytes(HEADER, GOOD_PARTNER) + GOOD_GOV.encode("latin-1") + b"\r\n"
    line, _, message = only_error(data)
    assert line == 3 and "UTF-8" in message


def test_wrong_field_count_and_optional_columns() -> None:
    header = HEADER + ",unavailable,max_meetings"
    rows = [GOOD_GOV + ',"0;1;x",4', GOOD_PARTNER + ",,many", GOOD_PARTNER.replace("p-1", "p-2")]
    parsed = parse_participants(csv_bytes(header, *rows))
    assert [(e.line, e.column) for e in parsed.errors] == [
        (2, "unavailable"),
        (3, "max_meetings"),
        (4, ""),
    ]


def test_every_error_is_reported_not_just_the_first() -> None:
    rows = [GOOD_GOV.replace("urban-mobility", "x"), GOOD_PARTNER.replace("bob@", "b")]
    parsed = parse_participants(csv_bytes(HEADER, *rows))
    assert [e.line for e in parsed.errors] == [2, 3]


def test_write_round_trip_keeps_optional_columns() -> None:
    header = HEADER + ",unavailable,max_meetings"
    original = csv_bytes(header, GOOD_GOV + ',"3;1",5', GOOD_PARTNER + ",,")
    parsed = parse_participants(original)
    out = io.StringIO(newline="")
    write_participants(parsed.records, out, parsed.optional_columns)
    again = parse_participants(out.getvalue().encode())
    assert again.records == parsed.records
    assert again.records[0].unavailable == (1, 3)
    assert again.records[0].max_meetings == 5
