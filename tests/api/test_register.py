"""The transparency register in the API: the rows of the organisers' CSV, as JSON, in pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting
from matchmaker.services import exports
from tests.api.api_world import ApiWorld, call
from tests.api.meetings_world import drafted, other_events_meeting

PROBLEM = "application/problem+json"


def register_path(event_id: int) -> str:
    return f"/api/v1/events/{event_id}/register"


def whole_register(client: FlaskClient, event_id: int, secret: str) -> list[dict[str, Any]]:
    rows, cursor = [], None
    while True:
        path = register_path(event_id) + "?limit=4" + (f"&cursor={cursor}" if cursor else "")
        answer = call(client, "GET", path, secret)
        assert answer.status_code == 200, answer.json
        rows += answer.json["items"]
        cursor = answer.json["next_cursor"]
        if cursor is None:
            return rows


def test_the_register_holds_what_was_announced_or_called_off(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    ids = drafted(app, world)
    assert whole_register(client, world.event_id, world.organiser) == []  # drafts: not yet
    with app.app_context():
        db.session.execute(db.update(Meeting).values(status="published"))
        held = db.session.get_one(Meeting, ids[1])
        held.status, held.outcome = "held", "Acordaron una prueba piloto."
        db.session.get_one(Meeting, ids[2]).status = "cancelled"
        db.session.get_one(Meeting, ids[3]).status = "draft"  # a new draft is not on record
        db.session.commit()
    rows = whole_register(client, world.event_id, world.organiser)
    assert [row["id"] for row in rows] == sorted(set(ids) - {ids[3]})
    by_id = {row["id"]: row for row in rows}
    assert by_id[ids[1]]["status"] == "held"
    assert by_id[ids[1]]["outcome"] == "Acordaron una prueba piloto."
    assert by_id[ids[2]]["status"] == "cancelled"
    with app.app_context():
        event = db.session.get_one(Event, world.event_id)
        slots = event.calendar().slots
        for row in rows:
            meeting = db.session.get_one(Meeting, row["id"])
            government, partner = meeting.government, meeting.partner
            slot = slots[meeting.slot_index]
            assert row["date"] == "2032-03-10" and row["time_zone"] == event.time_zone
            assert datetime.fromisoformat(row["start"]) == slot.start
            assert datetime.fromisoformat(row["end"]) == slot.end
            assert row["government"] == {"name": government.name,
                                         "role_title": government.role_title,
                                         "organisation": government.organisation,
                                         "country": government.country}  # fmt: skip
            assert row["partner"] == {"name": partner.name,
                                      "organisation": partner.organisation,
                                      "organisation_type": partner.organisation_type}  # fmt: skip
            assert row["themes"] == exports.meeting_themes(government, partner)
        # The same meetings as the CSV download, which has a header and a row for each.
        csv = exports.transparency_register_csv(event)
        assert len(csv.strip().splitlines()) == 1 + len(rows)
    # Themes are codes: shared ones, or the official's when they share none.
    themes = {(r["government"]["name"], r["partner"]["name"]): r["themes"] for r in rows}
    assert ["urban-mobility"] in themes.values() and ["public-services"] in themes.values()


def test_the_register_is_for_organisers_and_for_its_own_event(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    drafted(app, world, publish=True)
    foreign = other_events_meeting(app, world)
    for secret in (world.official, world.partner):
        answer = call(client, "GET", register_path(world.event_id), secret)
        assert answer.status_code == 403 and answer.mimetype == PROBLEM
    assert call(client, "GET", register_path(world.event_id), None).status_code == 401
    assert call(client, "GET", register_path(999999), world.organiser).status_code == 404
    own = whole_register(client, world.event_id, world.organiser)
    assert foreign not in {row["id"] for row in own} and len(own) == 6
    other = whole_register(client, world.other_event_id, world.organiser)
    assert [row["id"] for row in other] == [foreign]
    bad = call(client, "GET", register_path(world.event_id) + "?cursor=nope", world.organiser)
    assert bad.status_code == 422 and bad.json["errors"][0]["parameter"] == "cursor"
