"""Meetings in the API: the organisers' list, one meeting, cancel and move through the same
services as the schedule page; a participant's own agenda."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, User
from matchmaker.services import scheduling
from tests.api.api_world import ApiWorld, call
from tests.api.meetings_world import audit_of, drafted, meeting_row, other_events_meeting, state
from tests.web.task_recorder import Tasks

PROBLEM = "application/problem+json"


def meetings_path(world: ApiWorld, *rest: object) -> str:
    return "/".join([f"/api/v1/events/{world.event_id}/meetings", *map(str, rest)])


def every_page(client: FlaskClient, world: ApiWorld, query: str = "") -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        path = meetings_path(world) + "?limit=4" + query + (f"&cursor={cursor}" if cursor else "")
        answer = call(client, "GET", path, world.organiser)
        assert answer.status_code == 200, answer.json
        items += answer.json["items"]
        cursor = answer.json["next_cursor"]
        if cursor is None:
            return items


def test_the_meetings_come_in_pages_as_people_see_them(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    ids = drafted(app, world)
    items = every_page(client, world)
    assert [m["id"] for m in items] == sorted(ids)
    with app.app_context():
        event = db.session.get_one(Event, world.event_id)
        slots = event.calendar().slots
        for item in items:
            meeting = db.session.get_one(Meeting, item["id"])
            assert item["status"] == "draft" and item["slot"] == meeting.slot_index
            assert item["table"] == meeting.table_number + 1  # as the venue numbers them
            start = datetime.fromisoformat(item["start"])
            assert start == slots[meeting.slot_index].start and start.utcoffset() is not None
            assert item["government"] == {
                "id": meeting.government_id,
                "name": meeting.government.name,
                "organisation": meeting.government.organisation,
            }
            assert item["partner"]["id"] == meeting.partner_id
            assert item["cancel_reason"] is None and item["cancelled_by"] is None
            assert item["government_checked_in_at"] is None
    # The second official speaks only Portuguese: with the English-only partner, no interpreter.
    lacking = [m for m in items if m["government"]["id"] == world.seed.governments[1]
               and m["partner"]["id"] == world.seed.partners[1]]  # fmt: skip
    assert lacking[0]["interpreter"] is None and lacking[0]["needs_interpreter"] is True


def test_the_list_filters_by_participant_day_status_and_slot(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    drafted(app, world)
    official = world.seed.governments[0]
    own = every_page(client, world, f"&participant_id={official}")
    assert len(own) == 3 and {m["government"]["id"] for m in own} == {official}
    partner = world.seed.partners[2]
    assert {m["partner"]["id"] for m in every_page(client, world, f"&participant_id={partner}")}\
        == {partner}  # fmt: skip
    assert len(every_page(client, world, "&day=2032-03-10")) == 6
    assert every_page(client, world, "&day=2032-03-11") == []
    assert len(every_page(client, world, "&status=draft")) == 6
    assert every_page(client, world, "&status=published") == []
    slot = own[0]["slot"]
    assert all(m["slot"] == slot for m in every_page(client, world, f"&slot={slot}"))
    for query, name in (("status=maybe", "status"), ("participant_id=0", "participant_id"),
                        ("day=2032-13-01", "day"), ("slot=-1", "slot")):  # fmt: skip
        bad = call(client, "GET", meetings_path(world) + "?" + query, world.organiser)
        assert bad.status_code == 422 and bad.mimetype == PROBLEM
        assert bad.json["errors"][0]["parameter"] == name


def test_one_meeting_has_an_etag_that_changes_with_it(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    first = drafted(app, world)[0]
    read = call(client, "GET", meetings_path(world, first), world.organiser)
    assert read.status_code == 200 and read.json["id"] == first and read.headers["ETag"]
    same = call(client, "GET", meetings_path(world, first), world.organiser,
                **{"If-None-Match": read.headers["ETag"]})  # fmt: skip
    assert same.status_code == 304
    call(client, "POST", meetings_path(world, first, "cancel"), world.organiser, json={})
    changed = call(client, "GET", meetings_path(world, first), world.organiser,
                   **{"If-None-Match": read.headers["ETag"]})  # fmt: skip
    assert changed.status_code == 200 and changed.json["status"] == "cancelled"


def test_cancelling_a_published_meeting_mails_both_sides_and_is_logged(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    first = drafted(app, world, publish=True)[0]
    answer = call(client, "POST", meetings_path(world, first, "cancel"), world.organiser,
                  json={"reason": "  Cambio de vuelo "})  # fmt: skip
    assert answer.status_code == 200
    assert (
        answer.json["status"] == "cancelled" and answer.json["cancel_reason"] == "Cambio de vuelo"
    )
    assert answer.json["cancelled_by"] == "organisers"
    meeting = meeting_row(app, first)
    assert meeting.status == "cancelled" and meeting.cancellation_mail_due is True
    assert tasks["send_cancellation_notices"].committed == [True]  # sent after the commit
    (entry,) = audit_of(app, "meeting.cancelled")
    assert entry.target_id == first and entry.details["reason"] == "Cambio de vuelo"
    assert entry.details["status"] == "published"
    with app.app_context():
        assert db.session.get_one(User, entry.actor_id).email == "org@example.org"
    # Once is enough: a second cancel is a conflict and logs nothing.
    again = call(client, "POST", meetings_path(world, first, "cancel"), world.organiser, json={})
    assert again.status_code == 409 and again.mimetype == PROBLEM and again.json["detail"]
    assert len(audit_of(app, "meeting.cancelled")) == 1


def test_cancelling_a_draft_tells_nobody_and_bad_bodies_are_refused(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    first = drafted(app, world)[0]
    before = state(app)
    for body, pointer in (({"reason": "x" * 501}, "#/reason"), ({"why": "no"}, "#/why"),
                          ({"reason": None}, "#/reason")):  # fmt: skip
        refused = call(client, "POST", meetings_path(world, first, "cancel"), world.organiser,
                       json=body)  # fmt: skip
        assert refused.status_code == 422 and refused.json["errors"][0]["pointer"] == pointer
    assert state(app) == before
    # No body at all: no reason.
    done = client.post(meetings_path(world, first, "cancel"),
                       headers={"Authorization": f"Bearer {world.organiser}"})  # fmt: skip
    assert done.status_code == 200 and done.json["cancel_reason"] == ""
    assert meeting_row(app, first).cancellation_mail_due is False  # a draft: nobody knew
    assert tasks["send_cancellation_notices"].calls == []


def test_a_meeting_moves_to_a_free_slot_and_not_to_a_busy_one(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    ids = drafted(app, world, publish=True)
    first = ids[0]
    with app.app_context():
        meeting = db.session.get_one(Meeting, first)
        free = scheduling.free_slots_for(meeting)
        others = list(db.session.execute(db.select(Meeting).where(Meeting.id != first)).scalars())
        busy = next(m.slot_index for m in others if m.government_id == meeting.government_id)
        # A slot both sides have free, where a meeting of two others holds a table.
        shared = next(m for m in others if m.slot_index in free)
        shared_slot, shared_table = shared.slot_index, shared.table_number
    offered = call(client, "GET", meetings_path(world, first, "free-slots"), world.organiser)
    assert [s["index"] for s in offered.json["slots"]] == free
    before = state(app)
    refused = call(client, "POST", meetings_path(world, first, "move"), world.organiser,
                   json={"slot": busy})  # fmt: skip
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    assert "free-slots" in refused.json["detail"]
    taken = call(client, "POST", meetings_path(world, first, "move"), world.organiser,
                 json={"slot": shared_slot, "table": shared_table + 1})  # fmt: skip
    assert taken.status_code == 409 and "mesa" in taken.json["detail"]
    for body, pointer in (({"slot": 12}, "#/slot"), ({"slot": 0, "table": 3}, "#/table"),
                          ({"slot": "1"}, "#/slot"), ({}, "#/slot")):  # fmt: skip
        bad = call(client, "POST", meetings_path(world, first, "move"), world.organiser, json=body)
        assert bad.status_code == 422 and bad.json["errors"][0]["pointer"] == pointer, body
    assert state(app) == before and tasks.sent == []
    open_table = 2 - shared_table  # the other of the two tables, numbered from 1
    moved = call(client, "POST", meetings_path(world, first, "move"), world.organiser,
                 json={"slot": shared_slot, "table": open_table})  # fmt: skip
    assert moved.status_code == 200
    assert (moved.json["slot"], moved.json["table"]) == (shared_slot, open_table)
    row = meeting_row(app, first)
    assert (row.slot_index, row.table_number, row.invitation_sent_at) == (
        shared_slot, open_table - 1, None)  # fmt: skip
    (entry,) = audit_of(app, "meeting.moved")
    assert entry.details["to_slot"] == shared_slot and entry.details["to_table"] == open_table - 1
    assert tasks["send_invitations"].calls == [(world.event_id,)]  # the new time, mailed


def test_without_a_table_a_move_takes_the_first_open_one(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    first = drafted(app, world)[0]
    with app.app_context():
        target = scheduling.free_slots_for(db.session.get_one(Meeting, first))[-1]
    moved = call(client, "POST", meetings_path(world, first, "move"), world.organiser,
                 json={"slot": target, "table": None})  # fmt: skip
    assert moved.status_code == 200 and moved.json["table"] == 1
    assert tasks.sent == []  # a draft: no invitation to send again


def test_cancelled_or_held_meetings_do_not_move(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    first, second = drafted(app, world)[:2]
    with app.app_context():
        db.session.get_one(Meeting, second).status = "held"
        db.session.commit()
    call(client, "POST", meetings_path(world, first, "cancel"), world.organiser, json={})
    for meeting_id in (first, second):
        assert call(client, "GET", meetings_path(world, meeting_id, "free-slots"),
                    world.organiser).json["slots"] == []  # fmt: skip
        refused = call(client, "POST", meetings_path(world, meeting_id, "move"), world.organiser,
                       json={"slot": 11})  # fmt: skip
        assert refused.status_code == 409
    held = call(client, "POST", meetings_path(world, second, "cancel"), world.organiser, json={})
    assert held.status_code == 409


def test_another_events_meeting_does_not_exist_here(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    own = drafted(app, world)[0]
    foreign = other_events_meeting(app, world)
    before = state(app)
    for path in (meetings_path(world, foreign),
                 f"/api/v1/events/{world.other_event_id}/meetings/{own}",
                 meetings_path(world, 999999), "/api/v1/events/999999/meetings"):  # fmt: skip
        answer = call(client, "GET", path, world.organiser)
        assert answer.status_code == 404 and answer.mimetype == PROBLEM, path
    for action, body in (("cancel", {}), ("move", {"slot": 11}), ("free-slots", None)):
        method = "GET" if body is None else "POST"
        answer = call(client, method, meetings_path(world, foreign, action), world.organiser,
                      json=body)  # fmt: skip
        assert answer.status_code == 404, action
    assert state(app) == before
    listed = every_page(client, world)
    assert foreign not in {m["id"] for m in listed}


def test_only_organisers_handle_meetings_and_only_participants_have_an_agenda(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    first = drafted(app, world)[0]
    before = state(app)
    for secret in (world.official, world.partner):
        for method, path, body in (
            ("GET", meetings_path(world), None),
            ("GET", meetings_path(world) + "?status=nonsense", None),
            ("GET", meetings_path(world, first), None),
            ("GET", meetings_path(world, first, "free-slots"), None),
            ("POST", meetings_path(world, first, "cancel"), {"reason": "x"}),
            ("POST", meetings_path(world, first, "move"), {"slot": "nonsense"}),
        ):
            answer = call(client, method, path, secret, json=body)
            assert answer.status_code == 403 and answer.mimetype == PROBLEM, (method, path)
    assert state(app) == before
    assert call(client, "GET", "/api/v1/me/agenda", world.organiser).status_code == 403
    assert call(client, "GET", meetings_path(world), None).status_code == 401
    assert call(client, "GET", "/api/v1/me/agenda", None).status_code == 401


def test_the_agenda_shows_ones_own_published_meetings_in_time_order(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    drafted(app, world)
    assert call(client, "GET", "/api/v1/me/agenda", world.official).json == {"items": []}
    official, partner = world.seed.governments[0], world.seed.partners[0]
    with app.app_context():
        mine = list(db.session.execute(db.select(Meeting).where(
            Meeting.government_id == official).order_by(Meeting.slot_index)).scalars())  # fmt: skip
        for meeting in mine:
            meeting.status = "published"
        # Called off by the organisers: gone from the agenda; by a side: shown, cancelled.
        mine[1].status, mine[1].cancel_reason = "cancelled", "Ya no viene"
        mine[2].status, mine[2].cancel_reason = "cancelled", "Enfermedad"
        mine[2].cancelled_by_id = mine[2].partner_id
        mine[0].government_checked_in_at = datetime(2032, 3, 10, 15, 0)
        expected = [mine[0].id, mine[2].id]
        counterpart = mine[0].partner
        db.session.commit()
        slot = db.session.get_one(Event, world.event_id).calendar().slots[mine[0].slot_index]
        table = mine[0].table_number + 1
        counterpart_data = {"id": counterpart.id, "name": counterpart.name,
                            "organisation": counterpart.organisation, "kind": "partner",
                            "role_title": counterpart.role_title}  # fmt: skip
    agenda = call(client, "GET", "/api/v1/me/agenda", world.official).json["items"]
    assert [item["id"] for item in agenda] == expected
    first = agenda[0]
    assert first["status"] == "published" and first["table"] == table
    assert datetime.fromisoformat(first["start"]) == slot.start
    assert first["counterpart"] == counterpart_data and first["checked_in"] is True
    assert first["cancel_reason"] is None
    assert (agenda[1]["status"], agenda[1]["cancel_reason"]) == ("cancelled", "Enfermedad")
    # The partner sees only their own published meetings, never the others' nor the drafts.
    theirs = call(client, "GET", "/api/v1/me/agenda", world.partner).json["items"]
    with app.app_context():
        own = {m.id for m in db.session.execute(db.select(Meeting).where(
            Meeting.partner_id == partner, Meeting.status == "published")).scalars()}  # fmt: skip
    assert {item["id"] for item in theirs} == own and own
    assert all(item["counterpart"]["kind"] == "government" for item in theirs)
    assert all(item["checked_in"] is False for item in theirs)


# Whatever is sent, never a server error, and nothing changes when refused ---------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)  # fmt: skip
#: Bodies each call takes, bodies shaped like them (right or not), and any JSON at all.
RIGHT = {
    "cancel": st.fixed_dictionaries({}, optional={"reason": st.text(max_size=500)}),
    "move": st.fixed_dictionaries(
        {"slot": st.integers(0, 11)}, optional={"table": st.integers(1, 2) | st.none()}
    ),
}
SHAPED = {
    "cancel": st.fixed_dictionaries({}, optional={"reason": st.text(max_size=600) | JSON}),
    "move": st.fixed_dictionaries(
        {"slot": st.integers(-1, 13) | JSON},
        optional={"table": st.integers(0, 3) | st.none() | JSON},
    ),
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(action=st.sampled_from(["cancel", "move"]), pick=st.integers(0, 5), data=st.data())
def test_any_body_to_cancel_or_move_is_answered_and_a_refusal_changes_nothing(
    app: Flask, client: FlaskClient, world: ApiWorld, action: str, pick: int, data: st.DataObject
) -> None:
    if not getattr(client, "meetings", None):  # function-scoped fixtures live across examples
        client.meetings = drafted(app, world, publish=True)  # type: ignore[attr-defined]
    meeting_id = client.meetings[pick]  # type: ignore[attr-defined]
    body = data.draw(RIGHT[action] | SHAPED[action] | JSON, label="body")
    before = state(app)
    answer = call(client, "POST", meetings_path(world, meeting_id, action), world.organiser,
                  json=body)  # fmt: skip
    assert answer.status_code in (200, 409, 422), (answer.status_code, answer.json)
    event(f"{action}: {answer.status_code}")
    if answer.status_code != 200:
        assert answer.mimetype == PROBLEM and state(app) == before
