"""One bad mail never stops the batch: each meeting's invitation succeeds or fails on its own,
failures are retried up to a limit and shown to organisers, an unreachable server makes the
task retry without blaming any meeting, and a publish re-delivered after its commit still
sends the invitations. Real SMTP servers (aiosmtpd), real workers on Redis and on the
embedded broker; the task bodies are also run directly for the finer cases."""

from __future__ import annotations

import email
import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Meeting, Participant
from matchmaker.services import jobs
from matchmaker.services.accounts import create_user
from matchmaker.services.events import get_event
from matchmaker.services.mail import Mail, MailServerUnavailable, send_mail
from matchmaker.services.meeting_mail import (
    MAX_INVITATION_ATTEMPTS,
    InvitationFailure,
    invitation_status,
    list_due_invitations,
)
from tests.conftest import clear_database, make_app
from tests.factories import create_event, create_participant
from tests.web.helpers import csrf_token, login
from tests.workers.conftest import SmtpSink, free_port, queue_drained, wait_until
from workers.tasks import publish_event, retry_failed_invitations, send_invitations

REFUSED = "refused@example.org"  # the server answers 550 for this mailbox
SPY = "spy@example.org"  # what a line break in a value tries to add as a recipient
ORGANISER, PASSWORD = "org@example.org", "Tlaxcala-olmo-7-azafrán"


@dataclass
class World:
    event_id: int
    job_id: int
    good: list[int]  # meetings whose invitation must arrive
    refused: int  # an official's address the server refuses
    invalid: int  # a partner's address that is not one (a header injection attempt)
    addresses: dict[int, set[str]]  # each meeting's two addresses


def build_world(status: str = "draft", job_state: str = "queued") -> World:
    """Five meetings of an event whose name tries to add a header; one side of meeting 2 has a
    name and an organisation with line breaks, meetings 1 and 3 an address that cannot work."""
    event = create_event(days=1, num_tables=2, name=f"Expo Puebla\r\nBcc: {SPY}")
    sides = [
        ({}, {}),
        ({"email": REFUSED}, {}),
        ({}, {"name": f"Ana\nBcc: {SPY}", "organisation": "Agua\r\nX-Injected: yes"}),
        ({}, {"email": f"bad@example.org\nBcc: {SPY}"}),
        ({}, {}),
    ]
    meetings = []
    for slot, (official, partner) in enumerate(sides):
        government = create_participant(event, "government", **official)
        other = create_participant(event, "partner", **partner)
        meeting = Meeting(event_id=event.id, government_id=government.id, partner_id=other.id,
                          slot_index=slot, table_number=slot % 2, status=status)  # fmt: skip
        db.session.add(meeting)
        db.session.flush()
        meetings.append((meeting, {government.email, other.email}))
    job = jobs.create_job("publish", event.id)
    job.state = job_state
    create_user(ORGANISER, PASSWORD, "organiser")
    db.session.commit()
    ids = [m.id for m, _ in meetings]
    return World(event.id, job.id, [ids[0], ids[2], ids[4]], ids[1], ids[3],
                 {m.id: addresses for m, addresses in meetings})  # fmt: skip


def state(meeting_id: int) -> tuple[bool, int, InvitationFailure | None]:
    """(sent, failed attempts, the stored failure) as the database has them now."""
    db.session.expire_all()
    meeting = db.session.get_one(Meeting, meeting_id)
    failure = (
        InvitationFailure.decode(meeting.invitation_error) if meeting.invitation_error else None
    )
    return meeting.invitation_sent_at is not None, meeting.invitation_attempts, failure


def assert_mailed_once(sink: SmtpSink, world: World, meetings: list[int]) -> None:
    """Exactly one message per meeting, to its two sides and nobody else, headers intact."""
    assert len(sink.received) == len(meetings)
    assert sorted(sorted(envelope.rcpt_tos) for envelope in sink.received) == sorted(
        sorted(world.addresses[m]) for m in meetings
    )
    for envelope in sink.received:
        message = email.message_from_bytes(envelope.content)
        assert message["Bcc"] is None and message["X-Injected"] is None
        assert SPY not in envelope.rcpt_tos
        assert message["Subject"].startswith(f"Expo Puebla Bcc: {SPY}: ")  # one line


def run_in(app: Flask, work: Callable[[], object]) -> object:
    with app.app_context():
        return work()


# --------------------------------------------------------------------------- the task bodies


def test_one_bad_message_never_stops_the_batch(app: Flask, smtp_server) -> None:
    sink = smtp_server(refuse=frozenset({REFUSED}))
    app.config["SMTP_URL"] = sink.url
    with app.app_context():
        world = build_world("published")
        send_invitations.run(world.event_id)
        assert_mailed_once(sink, world, world.good)
        assert all(state(m)[:2] == (True, 0) for m in world.good)
        sent, attempts, failure = state(world.refused)
        assert (sent, attempts, failure.kind, failure.addresses) == (
            False, 1, "address-refused", (REFUSED,))  # fmt: skip
        assert "550" in failure.detail
        sent, attempts, failure = state(world.invalid)
        assert (sent, attempts, failure.kind) == (False, 1, "invalid-address")
        assert failure.addresses == (f"bad@example.org\nBcc: {SPY}",)
        # The name and organisation with line breaks reach the calendar on one line each.
        message = next(
            email.message_from_bytes(e.content)
            for e in sink.received
            if set(e.rcpt_tos) == world.addresses[world.good[1]]
        )
        ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
        assert f"Ana Bcc: {SPY}" in [str(a.params["CN"]) for a in event.get("attendee")]
        assert "Agua X-Injected: yes" in str(event["summary"])
        # Later runs send nothing twice and try the failed ones again, up to the limit...
        for attempt in range(2, MAX_INVITATION_ATTEMPTS + 1):
            send_invitations.run(world.event_id)
            assert state(world.refused)[1] == state(world.invalid)[1] == attempt
        # ...then leave them to the organisers.
        send_invitations.run(world.event_id)
        assert state(world.refused)[1] == MAX_INVITATION_ATTEMPTS
        assert list_due_invitations(get_event(world.event_id)) == []
        assert len(sink.received) == 3
        status = invitation_status(get_event(world.event_id))
        assert (status.sent, status.waiting) == (3, 0)
        assert sorted(f.meeting.id for f in status.failed) == [world.refused, world.invalid]
        assert not any(f.will_retry for f in status.failed)


def test_a_message_refused_for_one_recipient_reaches_nobody(smtp_server) -> None:
    """smtplib alone would deliver to the others: a retry would then send them a second copy."""
    sink = smtp_server(refuse=frozenset({REFUSED}))
    for to in (["ok@example.org", REFUSED], [REFUSED, "ok@example.org"]):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send_mail(sink.url, "matchmaker@example.org", Mail(to, "Hola", "Cuerpo"))
        assert list(refused.value.recipients) == [REFUSED]
    assert sink.received == []
    send_mail(sink.url, "matchmaker@example.org", Mail(["ok@example.org"], "Hola", "Cuerpo"))
    assert [e.rcpt_tos for e in sink.received] == [["ok@example.org"]]


def test_an_unreachable_server_blames_no_meeting(app: Flask, smtp_server) -> None:
    port = free_port()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    with app.app_context():
        world = build_world("published")
        with pytest.raises(MailServerUnavailable):
            send_invitations.run(world.event_id)  # run directly, the autoretry re-raises
        assert all(state(m) == (False, 0, None) for m in world.addresses)
        sink = smtp_server(port=port, refuse=frozenset({REFUSED}))
        send_invitations.run(world.event_id)
        assert_mailed_once(sink, world, world.good)


@pytest.fixture
def eager_app(database_url: str, tmp_path: Path, smtp_server) -> Iterator[tuple[Flask, SmtpSink]]:
    """Tasks run as they are sent (Celery's eager mode): publish_event's queueing is real."""
    sink = smtp_server(refuse=frozenset({REFUSED}))
    app = make_app(database_url, tmp_path / "instance",
                   CELERY=celery_settings("memory://", eager=True), SMTP_URL=sink.url)  # fmt: skip
    yield app, sink
    clear_database(app)


def test_a_publish_redelivered_after_its_commit_still_sends_the_invitations(eager_app) -> None:
    """The worker died after publishing and before queueing the invitations: the task comes
    back, finds its job done, and queues them anyway; they go out once however often."""
    app, sink = eager_app
    with app.app_context():
        world = build_world("published", job_state="done")
        publish_event.run(world.job_id, world.event_id)
        assert_mailed_once(sink, world, world.good)
        publish_event.run(world.job_id, world.event_id)
        assert len(sink.received) == 3 and state(world.refused)[1] == 2


def test_the_periodic_retry_tries_failed_invitations_with_attempts_left(eager_app) -> None:
    app, sink = eager_app
    with app.app_context():
        world = build_world("published")
        send_invitations.run(world.event_id)
        db.session.execute(
            db.update(Participant)
            .where(Participant.email == REFUSED)
            .values(email="ok@example.org")
        )
        meeting = db.session.get_one(Meeting, world.invalid)
        meeting.invitation_attempts = MAX_INVITATION_ATTEMPTS  # given up: only organisers retry it
        db.session.commit()
        retry_failed_invitations.run()
        assert len(sink.received) == 4 and state(world.refused)[0] is True
        assert state(world.invalid)[1] == MAX_INVITATION_ATTEMPTS


# --------------------------------------------------------------------------- what organisers see


def test_without_mail_the_pages_say_participants_see_their_agenda_on_the_site(
    app: Flask, client: FlaskClient
) -> None:
    app.config["SMTP_URL"] = ""
    world = run_in(app, lambda: build_world("published", job_state="done"))
    assert login(client, ORGANISER, PASSWORD).status_code == 302
    for path in (f"/organiser/jobs/{world.job_id}", "/organiser/schedule"):
        page = client.get(path).get_data(as_text=True)
        assert "las invitaciones a las reuniones no se envían por correo" in page
        assert "Cada participante ve su agenda en el sitio" in page
        assert "Reintentar los envíos fallidos" not in page


def failed_attempts(app: Flask, world: World) -> tuple[int, int]:
    with app.app_context():
        return state(world.refused)[1], state(world.invalid)[1]


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_the_worker_sends_the_rest_and_organisers_see_and_retry_the_failed(
    worker_app: Flask, broker_url: str, task_queue: str, start_worker, smtp_server
) -> None:
    sink = smtp_server(refuse=frozenset({REFUSED}))
    start_worker(MATCHMAKER_SMTP_URL=sink.url)
    worker_app.config["SMTP_URL"] = sink.url
    world = run_in(worker_app, build_world)
    publish_event.delay(world.job_id, world.event_id)
    wait_until(lambda: failed_attempts(worker_app, world) == (1, 1), 120, "the first run")
    wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the first run to end")
    assert_mailed_once(sink, world, world.good)

    client = worker_app.test_client()
    assert login(client, ORGANISER, PASSWORD).status_code == 302
    job_page = f"/organiser/jobs/{world.job_id}"
    page = client.get(job_page).get_data(as_text=True)
    assert 'id="invitations-sent">3<' in page and 'id="invitations-failed">2<' in page
    assert 'id="invitations-waiting">0<' in page
    assert f"El servidor de correo rechazó la dirección: {REFUSED}" in page
    assert "La dirección de correo no es válida: bad@example.org" in page
    assert page.count("1 / 5") == 2 and "Detalle técnico" in page
    assert "Reintentar los envíos fallidos" in page and "Traceback" not in page

    # A second run sends nothing twice; it tries the failed ones again.
    send_invitations.delay(world.event_id)
    wait_until(lambda: failed_attempts(worker_app, world) == (2, 2), 60, "the second run")
    wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the second run to end")
    assert len(sink.received) == 3

    # The organiser corrects both addresses and presses the button.
    with worker_app.app_context():
        for old, new in ((REFUSED, "fixed@example.org"), (f"bad@example.org\nBcc: {SPY}", "b@example.org")):  # fmt: skip
            db.session.execute(
                db.update(Participant).where(Participant.email == old).values(email=new)
            )
        db.session.commit()
    token = csrf_token(client, job_page)
    response = client.post("/organiser/schedule/invitations/retry",
                           data={"csrf_token": token, "next": job_page})  # fmt: skip
    assert response.status_code == 302 and response.headers["Location"] == job_page
    wait_until(lambda: len(sink.received) == 5, 60, "the retried invitations")
    wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the retry to end")
    assert len(sink.received) == 5
    with worker_app.app_context():
        assert all(state(m) == (True, 0, None) for m in world.addresses)
        entry = db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id.desc())).scalar()
        assert (entry.action, entry.details) == ("invitations.retried", {"meetings": 2})
    page = client.get("/organiser/schedule").get_data(as_text=True)
    assert 'id="invitations-sent">5<' in page and 'id="invitations-failed">0<' in page


@pytest.mark.parametrize("broker_url", ["embedded"], indirect=True)
def test_mail_server_down_then_up_every_invitation_goes_once(
    worker_app: Flask, broker_url: str, task_queue: str, start_worker, smtp_server
) -> None:
    """Nothing listens on the port: the task retries with backoff and blames no meeting; the
    server comes up and every invitation goes out once. The publish job is already done, as
    after a worker that died between publishing and queueing the invitations."""
    port = free_port()
    worker = start_worker(MATCHMAKER_SMTP_URL=f"smtp://127.0.0.1:{port}")
    world = run_in(worker_app, lambda: build_world("published", job_state="done"))
    publish_event.delay(world.job_id, world.event_id)
    wait_until(lambda: "send_invitations" in worker.output() and " retry: " in worker.output(),
               60, "the task to retry")  # fmt: skip
    with worker_app.app_context():
        assert all(state(m) == (False, 0, None) for m in world.addresses)
    sink = smtp_server(port=port, refuse=frozenset({REFUSED}))
    wait_until(lambda: len(sink.received) == 3, 90, "the invitations once the server is up")
    wait_until(lambda: failed_attempts(worker_app, world) == (1, 1), 30, "the failures")
    wait_until(lambda: queue_drained(broker_url, task_queue), 60, "the task to end")
    assert_mailed_once(sink, world, world.good)


@pytest.mark.parametrize("broker_url", ["redis"], indirect=True)
def test_runs_racing_on_two_processes_send_each_invitation_once(
    worker_app: Flask, broker_url: str, task_queue: str, start_worker, smtp_server
) -> None:
    """A publish, a retry and a rerun at once: each meeting is claimed by one run only."""
    sink = smtp_server()
    start_worker(MATCHMAKER_SMTP_URL=sink.url, pool="prefork", concurrency=2)
    with worker_app.app_context():
        event = create_event(days=1, num_tables=10)
        for n in range(30):
            meeting = Meeting(event_id=event.id, slot_index=n // 10, table_number=n % 10,
                              government_id=create_participant(event, "government").id,
                              partner_id=create_participant(event, "partner").id,
                              status="published")  # fmt: skip
            db.session.add(meeting)
        db.session.commit()
        event_id = event.id
    for _ in range(4):
        send_invitations.delay(event_id)
    wait_until(lambda: len(sink.received) >= 30, 120, "every invitation")
    wait_until(lambda: queue_drained(broker_url, task_queue), 120, "every run to end")
    recipients = [tuple(sorted(envelope.rcpt_tos)) for envelope in sink.received]
    assert len(recipients) == len(set(recipients)) == 30
    with worker_app.app_context():
        status = invitation_status(get_event(event_id))
        assert (status.sent, status.waiting, status.failed) == (30, 0, [])
