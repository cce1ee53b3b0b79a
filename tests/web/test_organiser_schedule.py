"""Scheduling from the organisers' area: start a job, follow it, grid, per participant,
publish, cancel and move (tasks are recorded, not run: real workers are tested elsewhere)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.dates import event_moment
from matchmaker.extensions import db
from matchmaker.models import Event, Job, Meeting
from matchmaker.orm import utcnow
from matchmaker.services import jobs, meeting_mail, scheduling
from tests.web.organiser_world import audit_actions, draft, login_organiser, post, seed
from tests.web.task_recorder import Tasks


def test_start_creates_a_job_and_enqueues_after_commit(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    data = seed(app)
    login_organiser(client)
    assert "Generar la agenda" in client.get("/organiser/schedule").get_data(as_text=True)
    response = post(client, "/organiser/schedule/start",
                    {"unbooked_only": "y", "min_meetings": "2"}, "/organiser/schedule")  # fmt: skip
    with app.app_context():
        job = db.session.execute(db.select(Job)).scalar_one()
        assert (job.kind, job.state, job.event_id) == ("schedule", "queued", data.event_id)
    assert response.headers["Location"] == f"/organiser/jobs/{job.id}"
    assert tasks["schedule_event"].calls == [(job.id, data.event_id, True, 2)]
    assert tasks["schedule_event"].committed == [True]  # a worker would find the job
    assert "schedule.started" in audit_actions(app)
    post(client, "/organiser/schedule/start", {}, "/organiser/schedule")
    assert tasks["schedule_event"].calls[-1][2:] == (False, 0)


def test_job_page_polls_until_done_then_shows_the_report(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    with app.app_context():
        job = jobs.create_job("schedule", data.event_id)
        db.session.commit()
        job_id = job.id
    running = client.get(f"/organiser/jobs/{job_id}").get_data(as_text=True)
    assert f"/organiser/jobs/{job_id}.json" in running
    assert '<meta http-equiv="refresh"' in running and "<noscript>" in running
    assert client.get(f"/organiser/jobs/{job_id}.json").get_json() == {
        "id": job_id, "kind": "schedule", "state": "queued", "progress": 0.0, "message": "",
        "step": "", "counts": {}, "finished": False}  # fmt: skip
    # The worker's steps reach the organiser in their language (every step: test_job_progress).
    with app.app_context():
        jobs.report_progress(job_id, 0.5, "placing")
    state = client.get(f"/organiser/jobs/{job_id}.json").get_json()
    assert (state["state"], state["progress"], state["step"]) == ("running", 0.5, "placing")
    assert state["message"] == "Colocando las reuniones en turnos y mesas"
    english = client.get(f"/organiser/jobs/{job_id}.json", headers={"Accept-Language": "en"})
    assert english.get_json()["message"] == "Placing meetings in slots and tables"
    with app.app_context():
        job = db.session.get_one(Job, job_id)
        result = {"meetings": 5, "total_weight": 300.0, "upper_bound": 320.0,
                  "gap_to_bound": 0.0625, "unscheduled_count": 1,
                  "meetings_per_official": {"2": 1, "3": 1}}  # fmt: skip
        jobs.finish_job(job, result, "scheduled", message="5 meetings\nweight 300.0 of at most 320.0",
                        meetings=5)  # fmt: skip
        db.session.commit()
    done = client.get(f"/organiser/jobs/{job_id}").get_data(as_text=True)
    assert "http-equiv" not in done and "fetch(" not in done
    assert "Terminada" in done and "6.25 %" in done and "weight 300.0 of at most 320.0" in done
    assert client.get(f"/organiser/jobs/{job_id}.json").get_json()["finished"] is True
    assert client.get("/organiser/jobs/9999").status_code == 404
    assert client.get("/organiser/jobs/9999.json").status_code == 404


def test_grid_shows_meetings_in_local_time(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    meetings = draft(app, data.event_id)
    assert len(meetings) == 6
    login_organiser(client)
    page = client.get("/organiser/schedule/grid").get_data(as_text=True)
    assert "Mesa 1" in page and "Mesa 2" in page and "Mesa 3" not in page
    # Slots on the event's clock (America/Mexico_City) by Babel: "mié, 10 mar<br>9:00–9:20"
    row = r"<th scope=\"row\">mié, 10 mar<br>(9|1[0-2]):[0-5]0–(9|1[0-3]):[0-5]0</th>"
    assert re.search(row, page)
    assert page.count('class="meeting draft"') == 6
    assert page.count("<small>Borrador</small>") == 6  # the status in the reader's language
    with app.app_context():
        event = db.session.get_one(Event, data.event_id)
        names = {m.government.name for m in scheduling.list_meetings(event)}
    assert all(name in page for name in names)
    everything = client.get("/organiser/schedule/grid?empty=1").get_data(as_text=True)
    assert everything.count('<th scope="row">') == 12


def test_agenda_per_participant(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    assert client.get("/organiser/schedule/people").status_code == 200
    page = client.get(f"/organiser/schedule/people?participant={data.governments[0]}")
    text = page.get_data(as_text=True)
    assert text.count("/move") == 3  # one official, three partners
    assert text.count("<td>Borrador</td>") == 3 and "draft<" not in text


def test_publish_creates_a_job_and_enqueues(app: Flask, client: FlaskClient, tasks: Tasks) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    assert "Publica los 6 borradores" in client.get("/organiser/schedule").get_data(as_text=True)
    asked = post(client, "/organiser/schedule/publish", {}, "/organiser/schedule")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Se publicarán 6 reuniones en borrador." in page
    assert "5 participantes verán sus reuniones en su agenda." in page  # 2 officials, 3 partners
    assert "El correo no está configurado" in page and tasks.sent == []
    response = post(client, "/organiser/schedule/publish", {"confirmed": "1"},
                    "/organiser/schedule")  # fmt: skip
    with app.app_context():
        job = db.session.execute(db.select(Job)).scalar_one()
        assert job.kind == "publish"
    assert response.headers["Location"] == f"/organiser/jobs/{job.id}"
    assert tasks["publish_event"].calls == [(job.id, data.event_id)]
    assert tasks["publish_event"].committed == [True]


def test_cancel_asks_first_then_cancels_at_once(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    data = seed(app)
    first = draft(app, data.event_id)[0]
    login_organiser(client)
    asked = post(client, f"/organiser/meetings/{first}/cancel", {}, "/organiser/schedule/grid")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "¿Cancelar esta reunión?" in page
    assert "aún no está publicada: nadie la ha visto" in page
    with app.app_context():
        assert db.session.get_one(Meeting, first).status == "draft"  # nothing happened yet
    done = post(client, f"/organiser/meetings/{first}/cancel",
                {"confirmed": "1", "reason": "Cambio de vuelo"},
                "/organiser/schedule/grid")  # fmt: skip
    assert done.status_code == 302
    with app.app_context():
        meeting = db.session.get_one(Meeting, first)
        assert (meeting.status, meeting.cancel_reason) == ("cancelled", "Cambio de vuelo")
        assert meeting.cancellation_mail_due is False  # a draft: nobody to tell
    assert audit_actions(app)[-1:] == ["meeting.cancelled"]
    assert tasks["send_cancellation_notices"].calls == []
    again = post(client, f"/organiser/meetings/{first}/cancel", {"confirmed": "1"},
                 "/organiser/schedule/grid")  # fmt: skip
    assert again.status_code == 302 and audit_actions(app).count("meeting.cancelled") == 1
    missing = post(client, "/organiser/meetings/9999/cancel", {}, "/organiser/schedule/grid")
    assert missing.status_code == 302


def test_cancelling_a_published_meeting_tells_both_sides(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    data = seed(app)
    first = draft(app, data.event_id)[0]
    with app.app_context():
        db.session.get_one(Meeting, first).status = "published"
        db.session.commit()
    login_organiser(client)
    asked = post(client, f"/organiser/meetings/{first}/cancel", {}, "/organiser/schedule/grid")
    assert "nadie recibirá aviso por correo" in asked.get_data(as_text=True)  # no SMTP here
    post(client, f"/organiser/meetings/{first}/cancel", {"confirmed": "1"},
         "/organiser/schedule/grid")  # fmt: skip
    with app.app_context():
        assert db.session.get_one(Meeting, first).cancellation_mail_due is True
    assert tasks["send_cancellation_notices"].committed == [True]


def test_move_offers_the_free_slots_and_moves_to_the_chosen_one(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    data = seed(app)
    meeting_id = draft(app, data.event_id)[0]
    with app.app_context():
        meeting = db.session.get_one(Meeting, meeting_id)
        busy = {
            m.slot_index
            for m in db.session.execute(db.select(Meeting)).scalars()
            if m.id != meeting.id
            and (m.government_id == meeting.government_id or m.partner_id == meeting.partner_id)
        }
        meeting.partner.unavailable = [11]  # the partner leaves before the last slot
        db.session.commit()
        own = meeting.slot_index
    expected = [s for s in range(12) if s not in busy | {own, 11}]
    login_organiser(client)
    page = post(client, f"/organiser/meetings/{meeting_id}/move", {"next": "/organiser/schedule"},
                "/organiser/schedule/grid").get_data(as_text=True)  # fmt: skip
    offered = [int(v) - 1 for v in re.findall(r'name="slot" id="slot-\d+" value="(\d+)"', page)]
    assert offered == expected and tasks.sent == []
    target = expected[-1]
    moved = post(client, f"/organiser/meetings/{meeting_id}/move", {"slot": str(target + 1)},
                 "/organiser/schedule/grid")  # fmt: skip
    assert moved.status_code == 302
    with app.app_context():
        meeting = db.session.get_one(Meeting, meeting_id)
        assert meeting.slot_index == target and meeting.status == "draft"
    assert audit_actions(app)[-1] == "meeting.moved"
    assert tasks.sent == []  # a draft: nobody to tell yet
    assert "Reunión movida" in client.get("/organiser/schedule/grid").get_data(as_text=True)
    # A slot where one side is absent (the partner's last) is refused, and nothing moves.
    refused = post(client, f"/organiser/meetings/{meeting_id}/move", {"slot": "12"},
                   "/organiser/schedule/grid")  # fmt: skip
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.get_one(Meeting, meeting_id).slot_index == target
    assert "ya no está libre" in client.get("/organiser/schedule/grid").get_data(as_text=True)


def test_moving_a_published_meeting_sends_the_invitation_again(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    data = seed(app)
    meeting_id = draft(app, data.event_id)[0]
    with app.app_context():
        db.session.execute(
            db.update(Meeting).values(status="published", invitation_sent_at=db.func.now())
        )
        db.session.commit()
        free = scheduling.free_slots_for(db.session.get_one(Meeting, meeting_id))
    login_organiser(client)
    post(client, f"/organiser/meetings/{meeting_id}/move", {"slot": str(free[0] + 1)},
         "/organiser/schedule/grid")  # fmt: skip
    with app.app_context():
        meeting = db.session.get_one(Meeting, meeting_id)
        assert meeting.slot_index == free[0] and meeting.invitation_sent_at is None
    assert tasks["send_invitations"].calls == [(data.event_id,)]


def test_the_schedule_page_names_the_first_unbooked_pairs_and_counts_the_rest(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("matchmaker.services.schedule_overview.UNBOOKED_SHOWN", 2)
    data = seed(app)
    draft(app, data.event_id)
    with app.app_context():
        meetings = db.session.execute(db.select(Meeting)).scalars().all()
        for meeting in meetings[:3]:
            meeting.status = "cancelled"  # their pairs are approved and now unbooked
        for meeting in meetings[3:]:
            meeting.status = "published"
        db.session.commit()
        first_cancelled = meetings[0].id
    login_organiser(client)
    page = client.get("/organiser/schedule").get_data(as_text=True)
    assert "3 pares aprobados sin reunión" in page and "Y 1 más." in page
    assert page.split('id="unbooked"')[1].split("</section>")[0].count("<li>") == 2
    with app.app_context():  # the figures are kept per version of the meetings: a change shows
        db.session.execute(
            db.update(Meeting).where(Meeting.id == first_cancelled).values(status="published")
        )
        db.session.commit()
    page = client.get("/organiser/schedule").get_data(as_text=True)
    assert "2 pares aprobados sin reunión" in page and "Y 1 más." not in page


def test_the_schedule_page_follows_invitations_sent_and_failed_after_it_was_kept(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:2525")  # only read here
    data = seed(app)
    first, second, *_ = draft(app, data.event_id)
    with app.app_context():
        db.session.execute(db.update(Meeting).values(status="published"))
        db.session.commit()
    login_organiser(client)

    def figures() -> tuple[str, str, str]:
        page = client.get("/organiser/schedule").get_data(as_text=True)
        found = (re.search(rf'id="invitations-{name}">(\d+)<', page) for name in
                 ("sent", "waiting", "failed"))  # fmt: skip
        return tuple(match.group(1) for match in found if match)  # type: ignore[return-value]

    waiting = figures()
    assert waiting[0] == "0" and waiting[2] == "0"
    with app.app_context():  # a worker sends one invitation and fails another
        db.session.get_one(Meeting, first).invitation_sent_at = utcnow()
        meeting_mail.record_failure(db.session.get_one(Meeting, second), OSError("refused"))
        db.session.commit()
    sent, still_waiting, failed = figures()
    assert (sent, failed) == ("1", "1") and int(still_waiting) == int(waiting[1]) - 2
    page = client.get("/organiser/schedule").get_data(as_text=True)
    assert page.count('class="failed-invitation"') == 1


def test_the_grid_shows_one_day_at_a_time(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    with app.app_context():
        event = db.session.get_one(Event, data.event_id)
        event.days = ["2032-03-10", "2032-03-11"]  # 12 slots a day: slots 12-23 are the 11th
        for slot, (government, partner) in ((0, (0, 0)), (13, (1, 1))):
            db.session.add(Meeting(event_id=event.id, government_id=data.governments[government],
                                   partner_id=data.partners[partner], slot_index=slot,
                                   table_number=0, status="draft"))  # fmt: skip
        db.session.commit()
    login_organiser(client)
    first = client.get("/organiser/schedule/grid").get_data(as_text=True)
    assert first.count('class="meeting draft"') == 1 and "mié, 10 mar<br>9:00" in first
    assert 'aria-current="page">mié, 10 mar</strong>' in first
    assert 'href="/organiser/schedule/grid?day=2">jue, 11 mar</a>' in first
    second = client.get("/organiser/schedule/grid?day=2").get_data(as_text=True)
    assert second.count('class="meeting draft"') == 1 and "jue, 11 mar<br>9:20" in second
    assert "mié, 10 mar<br>" not in second
    # A day the event does not have shows the first.
    unknown = client.get("/organiser/schedule/grid?day=9").get_data(as_text=True)
    assert 'aria-current="page">mié, 10 mar</strong>' in unknown
    assert "mié, 10 mar<br>9:00" in unknown


def test_a_bad_minimum_is_shown_at_its_field_and_starts_nothing(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    seed(app)
    login_organiser(client)
    response = post(client, "/organiser/schedule/start", {"min_meetings": "500"},
                    "/organiser/schedule")  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="min_meetings-error"' in page
    assert 'value="500"' in page and tasks.sent == []


def test_after_publishing_a_new_run_books_only_the_unbooked_pairs_by_default(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    box = 'id="unbooked_only" name="unbooked_only" type="checkbox"'
    assert box in client.get("/organiser/schedule").get_data(as_text=True)
    assert "checked " + box not in client.get("/organiser/schedule").get_data(as_text=True)
    with app.app_context():
        db.session.execute(db.update(Meeting).values(status="published"))
        db.session.commit()
    assert "checked " + box in client.get("/organiser/schedule").get_data(as_text=True)


def test_the_history_tells_meetings_in_words_with_tables_from_one(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    data = seed(app)
    first = draft(app, data.event_id)[0]
    with app.app_context():
        meeting = db.session.get_one(Meeting, first)
        pair = f"{meeting.government.name} ↔ {meeting.partner.organisation}"
        table, slot = meeting.table_number, meeting.slot_index
        when = event_moment(
            db.session.get_one(Event, data.event_id).calendar().slots[slot].start,
            db.session.get_one(Event, data.event_id),
            "es",
        )
    login_organiser(client)
    post(
        client,
        f"/organiser/meetings/{first}/cancel",
        {"confirmed": "1"},
        "/organiser/schedule/grid",
    )
    history = client.get("/organiser/audit").get_data(as_text=True)
    assert f"Canceló la reunión {pair} de la mesa {table + 1}, {when}." in history
    english = client.get("/organiser/audit", headers={"Accept-Language": "en"})
    assert "Cancelled the meeting" in english.get_data(as_text=True)
