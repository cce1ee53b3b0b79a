"""CSV exports: the schedule, the transparency register and the participants, for Excel:
a BOM, words in the reader's language, dates by Babel, no formulas."""

from __future__ import annotations

import csv
import io

from matchmaker.extensions import db
from matchmaker.services import exports, scheduling
from tests.factories import approve, create_event, create_participant


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # without it Excel reads the UTF-8 as a legacy code page
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def make_schedule(**event_settings: object):  # type: ignore[no-untyped-def]
    event = create_event(days=1, num_tables=3, **event_settings)
    official = create_participant(event, "government", name="=HYPERLINK(\"x\")",
                                  role_title="Secretaria de Movilidad",
                                  organisation="Gobierno de Puebla",
                                  themes=["urban-mobility", "public-services"])  # fmt: skip
    partners = [create_participant(event, "partner", themes=["public-services"]),
                create_participant(event, "partner", themes=["climate-adaptation"])]  # fmt: skip
    for partner in partners:
        approve(event, official, partner, score=60)
    scheduling.draft_schedule(event)
    db.session.commit()
    return event, official, partners


def test_schedule_csv_has_the_columns_and_local_times(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event, official, _partners = make_schedule(time_zone="America/Lima")
    rows = parse(exports.schedule_csv(event))
    assert list(rows[0]) == [str(column) for column in exports.SCHEDULE_COLUMNS]
    assert len(rows) == 2
    assert {r["Inicio"] for r in rows} <= {
        f"{h}:{m:02d}" for h in range(9, 13) for m in (0, 20, 40)
    }
    assert rows[0]["Fecha"] == "10 mar 2032" and rows[0]["Estado"] == "Borrador"
    assert rows[0]["Zona horaria"] == "hora de Perú" and rows[0]["Puntuación"] == "60"
    # Names from an imported file cannot become spreadsheet formulas.
    assert rows[0]["Funcionario/a"] == '\'=HYPERLINK("x")'
    assert rows[0]["ID del funcionario/a"] == official.external_id


def test_transparency_register(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event, _official, _partners = make_schedule()
    assert parse(exports.transparency_register_csv(event)) == []  # drafts are not on record
    for meeting in scheduling.list_meetings(event):
        meeting.status = "published"
    first = scheduling.list_meetings(event)[0]
    first.status, first.outcome = "held", "Piloto acordado"
    db.session.commit()
    spanish = parse(exports.transparency_register_csv(event))
    assert {r["Estado"] for r in spanish} == {"Celebrada", "Publicada"}
    assert {r["País"] for r in spanish} == {"México"}
    assert {r["Tipo de organización"] for r in spanish} == {"Empresa"}
    rows = parse(exports.transparency_register_csv(event, "en"))
    assert len(rows) == 2
    by_status = {r["Status"]: r for r in rows}
    assert by_status["Held"]["Outcome"] == "Piloto acordado"  # free text stays as written
    assert {r["Date"] for r in rows} == {"Mar 10, 2032"}
    # (values only: some headers are new and get their English with the next translations)
    assert all({"Mexico", "Company"} <= set(r.values()) for r in rows)
    # Shared themes, else the official's, by label in the chosen language.
    themes = {r["Themes"] for r in rows}
    assert themes == {"Public services", "Urban mobility; Public services"}


def test_exports_neutralise_with_the_rule_imports_read_back(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event, official, partners = make_schedule()
    official.name, partners[0].organisation, partners[1].name = "'=x", "-1", "@SUM(1)"
    db.session.commit()
    rows = parse(exports.schedule_csv(event))
    assert {r["Funcionario/a"] for r in rows} == {"''=x"}  # one quote more: reads back as "'=x"
    assert {r["Organización del socio"] for r in rows} >= {"'-1"}
    assert {r["Socio"] for r in rows} >= {"'@SUM(1)"}
    people = parse(exports.participants_csv(event))
    assert {r["Nombre"] for r in people} >= {"''=x", "'@SUM(1)"}
    assert {r["Organización"] for r in people} >= {"'-1"}


def test_participants_in_words_and_in_the_import_format(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event, official, partners = make_schedule()
    official.languages, official.country = ["pt", "es", "de"], "BR"
    partners[0].organisation_type, partners[0].max_meetings = "ngo", 3
    db.session.commit()
    by_id = {r["ID"]: r for r in parse(exports.participants_csv(event))}
    row = by_id[official.external_id]
    assert row["Tipo"] == "Funcionario/a" and row["Tipo de organización"] == "Municipio"
    assert row["Idiomas"] == "Español, Portugués, Alemán"  # the event's first; others by CLDR
    assert row["País"] == "Brasil" and row["Temas"] == "Movilidad urbana; Servicios públicos"
    assert row["Reuniones publicadas"] == "0" and row["Cuenta"] == "No"  # drafts only
    ngo = by_id[partners[0].external_id]
    assert ngo["Tipo"] == "Socio" and ngo["Tipo de organización"] == "ONG"
    assert ngo["Máximo de reuniones"] == "3"
    assert by_id[partners[1].external_id]["Máximo de reuniones"] == ""
    english = {r["ID"]: r for r in parse(exports.participants_csv(event, "en"))}
    assert english[partners[0].external_id]["Type"] == "Partner"
    assert english[official.external_id]["Themes"] == "Urban mobility; Public services"
    assert english[official.external_id]["Account"] == "No"
    machine = parse(exports.participants_import_csv(event))
    assert machine[0]["kind"] == "government" and machine[0]["languages"] == "pt;es;de"
    assert {r["organisation_type"] for r in machine} == {"municipality", "ngo", "company"}
