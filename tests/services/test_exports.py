"""CSV exports: the schedule and the transparency register."""

from __future__ import annotations

import csv
import io

from matchmaker.extensions import db
from matchmaker.services import exports, scheduling
from tests.factories import approve, create_event, create_participant


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


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
    assert list(rows[0]) == list(exports.SCHEDULE_COLUMNS)
    assert len(rows) == 2
    assert {r["start"] for r in rows} <= {
        f"{h:02d}:{m:02d}" for h in range(9, 13) for m in (0, 20, 40)
    }
    assert rows[0]["time_zone"] == "America/Lima" and rows[0]["score"] == "60.00"
    # Names from an imported file cannot become spreadsheet formulas.
    assert rows[0]["official"] == '\'=HYPERLINK("x")'
    assert rows[0]["official_id"] == official.external_id


def test_transparency_register(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event, _official, _partners = make_schedule()
    assert parse(exports.transparency_register_csv(event)) == []  # drafts are not on record
    for meeting in scheduling.list_meetings(event):
        meeting.status = "published"
    first = scheduling.list_meetings(event)[0]
    first.status, first.outcome = "held", "Piloto acordado"
    db.session.commit()
    rows = parse(exports.transparency_register_csv(event, "en"))
    assert list(rows[0]) == list(exports.REGISTER_COLUMNS)
    assert len(rows) == 2
    by_status = {r["status"]: r for r in rows}
    assert by_status["held"]["outcome"] == "Piloto acordado"
    assert {r["official_role"] for r in rows} == {"Secretaria de Movilidad"}
    assert {r["official_institution"] for r in rows} == {"Gobierno de Puebla"}
    # Shared themes, else the official's, by label in the chosen language.
    assert {r["themes"] for r in rows} == {"Public services", "Urban mobility; Public services"}


def test_exports_neutralise_with_the_rule_imports_read_back(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event, official, partners = make_schedule()
    official.name, partners[0].organisation, partners[1].name = "'=x", "-1", "@SUM(1)"
    db.session.commit()
    rows = parse(exports.schedule_csv(event))
    assert {r["official"] for r in rows} == {"''=x"}  # one quote more: reads back as "'=x"
    assert {r["partner_organisation"] for r in rows} >= {"'-1"}
    assert {r["partner"] for r in rows} >= {"'@SUM(1)"}
