"""From the agenda: cancel one's meeting with a reason, ask to move it and have the other side
accept or decline (with a slot taken meanwhile), and give feedback from the meeting's start."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, MeetingFeedback, MoveRequest
from matchmaker.services import scheduling
from tests.live_world import event_running_now
from tests.web.participant_world import People, add_meeting, login_as, make_people, post

pytestmark = pytest.mark.usefixtures("tasks")


def _meeting(app: Flask, meeting_id: int) -> Meeting:
    with app.app_context():
        meeting = db.session.get_one(Meeting, meeting_id)
        db.session.expunge(meeting)
        return meeting


def _requests(app: Flask) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(db.select(MoveRequest.slot_index, MoveRequest.state))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_cancel_needs_a_reason_and_the_other_side_sees_it(app: Flask, client: FlaskClient,
                                                          tasks) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    people = make_people(app)
    meeting_id = add_meeting(app, people)
    login_as(app, client, people.official)
    assert "Pedir cambio de horario" in client.get("/me/agenda").get_data(as_text=True)
    page = f"/me/meetings/{meeting_id}/cancel"
    refused = post(client, page, {"reason": "   "}, page)
    assert refused.status_code == 400
    assert "Escribe el motivo de la cancelación." in refused.get_data(as_text=True)
    assert _meeting(app, meeting_id).status == "published"
    assert post(client, page, {"reason": "Cambio de vuelo"}, page).status_code == 302
    assert _meeting(app, meeting_id).status == "cancelled"
    assert tasks["send_cancellation_notices"].calls == [()]
    login_as(app, client, people.partner)
    agenda = client.get("/me/agenda").get_data(as_text=True)
    assert "Cancelada" in agenda and "Motivo: Cambio de vuelo" in agenda
    assert client.get(page).status_code == 404  # off the agenda's actions: nothing to cancel


def test_someone_elses_meeting_is_404(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    meeting_id = add_meeting(app, people)
    login_as(app, client, people.other_partner)
    for action in ("cancel", "move"):
        assert client.get(f"/me/meetings/{meeting_id}/{action}").status_code == 404


def _ask(app: Flask, client: FlaskClient, people: People, slot: int) -> int:
    meeting_id = add_meeting(app, people)  # slot 1, table 5
    login_as(app, client, people.official)
    page = f"/me/meetings/{meeting_id}/move"
    assert f'value="{slot}"' in client.get(page).get_data(as_text=True)
    assert post(client, page, {"slot": str(slot)}, page).status_code == 302
    return meeting_id


def test_move_asked_then_accepted_on_both_agendas(app: Flask, client: FlaskClient,
                                                  tasks) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    people = make_people(app)
    meeting_id = _ask(app, client, people, 6)  # to 11:00 on the first day
    assert "Esperando su respuesta" in client.get("/me/agenda").get_data(as_text=True)
    login_as(app, client, people.partner)
    agenda = client.get("/me/agenda").get_data(as_text=True)
    assert "Ana Alcaldesa pide mover la reunión" in agenda
    [(request_id,)] = _ids(app)
    accepted = post(client, f"/me/move-requests/{request_id}/accept", page="/me/agenda")
    assert accepted.status_code == 302
    assert _meeting(app, meeting_id).slot_index == 6
    assert tasks["send_invitations"].calls == [(people.event,)]  # both invited again
    for person in (people.partner, people.official):
        login_as(app, client, person)
        assert "mié, 10 mar, 11:00–11:20" in client.get("/me/agenda").get_data(as_text=True)


def _ids(app: Flask) -> list[tuple[int]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(db.select(MoveRequest.id))]  # type: ignore[misc]


def test_bad_slots_are_refused_with_a_message(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    meeting_id = add_meeting(app, people)
    add_meeting(app, people, slot=3, partner=people.other_partner)  # the official is busy at 3
    login_as(app, client, people.official)
    page = f"/me/meetings/{meeting_id}/move"
    for slot in ("3", "1", "abc", "999", ""):
        response = post(client, page, {"slot": slot}, page)
        assert response.status_code == 400, slot
        text = response.get_data(as_text=True)
        assert "ya no está libre" in text or "Elige un horario." in text
    assert _requests(app) == []


def test_decline_and_one_open_request(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    meeting_id = _ask(app, client, people, 6)
    again = post(client, f"/me/meetings/{meeting_id}/move", {"slot": "7"}, "/me/agenda")
    assert again.status_code == 302 and _requests(app) == [(6, "asked")]
    login_as(app, client, people.partner)
    [(request_id,)] = _ids(app)
    post(client, f"/me/move-requests/{request_id}/decline", page="/me/agenda")
    assert _requests(app) == [(6, "declined")] and _meeting(app, meeting_id).slot_index == 1


def test_a_slot_taken_before_the_answer_leaves_the_request_stale(
    app: Flask, client: FlaskClient
) -> None:
    people = make_people(app)
    meeting_id = _ask(app, client, people, 6)
    add_meeting(app, people, slot=6, partner=people.other_partner)  # the official booked at 6
    login_as(app, client, people.partner)
    [(request_id,)] = _ids(app)
    answer = post(client, f"/me/move-requests/{request_id}/accept", page="/me/agenda")
    assert answer.status_code == 302
    assert "ya no está libre" in client.get("/me/agenda").get_data(as_text=True)
    assert _requests(app) == [(6, "stale")] and _meeting(app, meeting_id).slot_index == 1


def test_a_booking_racing_the_accept_loses_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks pass (the racing booking is not seen), the unique index refuses the move:
    a friendly message, the request stale, the meeting where it was."""
    people = make_people(app)
    meeting_id = _ask(app, client, people, 6)
    with app.app_context():  # booked by an organiser while the partner reads the request
        db.session.add(Meeting(event_id=people.event, government_id=people.other_official,
                               partner_id=people.partner, slot_index=6, table_number=0,
                               status="published"))  # fmt: skip
        db.session.commit()
    real = scheduling.free_slots_for
    monkeypatch.setattr(scheduling, "free_slots_for", lambda m: sorted({*real(m), 6}))
    login_as(app, client, people.partner)
    [(request_id,)] = _ids(app)
    answer = post(client, f"/me/move-requests/{request_id}/accept", page="/me/agenda")
    assert answer.status_code == 302
    assert _requests(app) == [(6, "stale")] and _meeting(app, meeting_id).slot_index == 1


def test_feedback_from_the_meeting_start_with_validation(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    with app.app_context():  # the event runs now: slot 1 started 5 minutes ago
        running = event_running_now(5)
        event = db.session.get_one(Event, people.event)
        for setting in ("days", "day_start", "day_end", "time_zone", "slot_minutes"):
            setattr(event, setting, getattr(running, setting))
        db.session.delete(running)
        meeting = Meeting(event_id=event.id, government_id=people.official,
                          partner_id=people.partner, slot_index=1, table_number=0,
                          status="published")  # fmt: skip
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
    login_as(app, client, people.partner)
    page = f"/me/meetings/{meeting_id}/outcome"
    assert 'name="rating"' in client.get(page).get_data(as_text=True)
    for rating in ("", "9", "x"):
        refused = post(client, page, {"status": "held", "rating": rating}, page)
        assert refused.status_code == 400
        assert "Valora la reunión del 1 al 5." in refused.get_data(as_text=True)
    saved = post(client, page, {"status": "held", "rating": "5", "would_follow_up": "y",
                                "outcome": "Piloto"}, page)  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        feedback = db.session.execute(db.select(MeetingFeedback)).scalar_one()
        assert (feedback.rating, feedback.would_follow_up) == (5, True)
        assert db.session.get_one(Meeting, meeting_id).status == "held"
