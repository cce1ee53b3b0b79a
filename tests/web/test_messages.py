"""Messages between the two sides and the bell, through the web: who reaches a thread, what
bad input gets, notifications opened and read, problems reported to the organisers."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Message, Notification, ThreadReport
from matchmaker.services.accounts import create_user
from tests.web.helpers import login
from tests.web.participant_world import (
    PASSWORD,
    People,
    add_meeting,
    add_request,
    login_as,
    make_people,
    post,
)
from tests.web.task_recorder import Tasks

pytestmark = pytest.mark.usefixtures("tasks")
BELL = re.compile(r'class="bell[^"]*"[^>]*>.*?</a>', re.S)


@pytest.fixture
def people(app: Flask) -> People:
    """Official A asked partner A to meet; partner B has a meeting with official A."""
    world = make_people(app)
    add_request(app, world.official, world.partner)
    add_meeting(app, world, partner=world.other_partner)
    return world


def bell(client: FlaskClient) -> str:
    match = BELL.search(client.get("/me/").get_data(as_text=True))
    assert match, "no bell in the participant nav"
    return re.sub(r"<[^>]+>", " ", match.group(0))


def count_messages(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Message.id))).scalar_one()


def test_a_message_rings_the_bell_and_opening_it_reads_it(app: Flask, client: FlaskClient,
                                                           people: People) -> None:  # fmt: skip
    login_as(app, client, people.official)
    thread = f"/me/messages/{people.partner}"
    sent = post(client, thread, {"body": "Llevo la propuesta: https://example.org/" + "a" * 200},
                page=thread)  # fmt: skip
    assert sent.status_code == 302
    login_as(app, client, people.partner)
    assert "2" in bell(client)  # the request and the message
    page = client.get("/me/notifications").get_data(as_text=True)
    assert "Ana Alcaldesa te escribió un mensaje." in page
    assert "Ana Alcaldesa te envió una solicitud de reunión." in page
    with app.app_context():
        message_notice = db.session.execute(
            db.select(Notification).where(Notification.kind == "message")).scalar_one()  # fmt: skip
        notice_id = message_notice.id
    opened = post(client, "/me/notifications/open", {"notification": notice_id},
                  page="/me/notifications")  # fmt: skip
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/me/messages/{people.official}")
    shown = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert "Llevo la propuesta" in shown and 'class="card message' in shown
    assert "1" in bell(client) and "2" not in bell(client)  # the request is still unread
    reply = post(client, f"/me/messages/{people.official}", {"body": "¡Nos vemos!"},
                 page=f"/me/messages/{people.official}")  # fmt: skip
    assert reply.status_code == 302
    assert post(client, "/me/notifications/read", page="/me/notifications").status_code == 302
    assert "sin leer" not in bell(client)
    with app.app_context():
        assert (
            db.session.execute(
                db.select(db.func.count(Notification.id)).where(Notification.read_at.is_(None))
            ).scalar_one()
            == 1
        )  # the official's reply notice


@pytest.mark.parametrize(
    ("body", "error"),
    [("", "Escribe un mensaje."), ("   ", "Escribe un mensaje."),
     ("x" * 1001, "El mensaje es demasiado largo.")],
)  # fmt: skip
def test_bad_messages_get_400_and_a_clear_message(app: Flask, client: FlaskClient, people: People,
                                                  body: str, error: str) -> None:  # fmt: skip
    login_as(app, client, people.official)
    thread = f"/me/messages/{people.partner}"
    refused = post(client, thread, {"body": body}, page=thread)
    assert refused.status_code == 400
    assert error in refused.get_data(as_text=True)
    assert client.post(thread, data={"body": "sin token"}).status_code == 400  # no CSRF
    assert count_messages(app) == 0


def test_threads_of_other_pairs_are_404(app: Flask, client: FlaskClient, people: People) -> None:
    login_as(app, client, people.other_official)  # no request or meeting with partner A
    assert client.get(f"/me/messages/{people.partner}").status_code == 404
    assert post(client, f"/me/messages/{people.partner}", {"body": "Hola"}).status_code == 404
    login_as(app, client, people.partner)
    assert client.get(f"/me/messages/{people.other_official}").status_code == 404
    assert client.get(f"/me/messages/{people.other_partner}").status_code == 404  # same side
    login_as(app, client, people.other_partner)  # their meeting with official A opens one
    assert client.get(f"/me/messages/{people.official}").status_code == 200
    assert count_messages(app) == 0


def test_a_participant_cannot_open_someone_elses_notification(app: Flask, client: FlaskClient,
                                                              people: People) -> None:  # fmt: skip
    with app.app_context():
        theirs = db.session.execute(db.select(Notification.id)).scalar_one()  # partner A's
    login_as(app, client, people.other_partner)
    assert post(client, "/me/notifications/open", {"notification": theirs}).status_code == 404
    assert post(client, "/me/notifications/open", {"notification": "x"}).status_code == 400
    with app.app_context():
        assert db.session.get_one(Notification, theirs).read_at is None


def test_a_reported_thread_reaches_the_organisers_only_then(app: Flask, client: FlaskClient,
                                                            people: People) -> None:  # fmt: skip
    with app.app_context():
        create_user("org@example.org", PASSWORD, "organiser")
        db.session.commit()
    login_as(app, client, people.official)
    thread = f"/me/messages/{people.partner}"
    post(client, thread, {"body": "Un mensaje fuera de lugar"}, page=thread)
    reported_url = f"/organiser/reported-threads/{people.official}/{people.partner}"
    login_as(app, client, people.partner)
    empty = post(client, f"/me/messages/{people.official}/report", {"note": " "},
                 page=f"/me/messages/{people.official}")  # fmt: skip
    assert empty.status_code == 400 and "Describe el problema." in empty.get_data(as_text=True)
    done = post(client, f"/me/messages/{people.official}/report", {"note": "Tono agresivo"},
                page=f"/me/messages/{people.official}")  # fmt: skip
    assert done.status_code == 302
    again = post(client, f"/me/messages/{people.official}/report", {"note": "Otra vez"},
                 page=f"/me/messages/{people.official}")  # fmt: skip
    assert "Ya reportaste" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(ThreadReport.id))).scalar_one() == 1
    organiser = app.test_client()
    assert login(organiser, "org@example.org", PASSWORD).status_code == 302
    listing = organiser.get("/organiser/reported-threads").get_data(as_text=True)
    assert "Tono agresivo" in listing and reported_url in listing
    page = organiser.get(reported_url).get_data(as_text=True)
    assert "Un mensaje fuera de lugar" in page and "<form" not in page.split("<main", 1)[-1]
    unreported = f"/organiser/reported-threads/{people.official}/{people.other_partner}"
    assert organiser.get(unreported).status_code == 404
    assert "thread.reported" not in organiser.get("/organiser/audit").get_data(as_text=True)
    assert "Se reportó un problema" in organiser.get("/organiser/audit").get_data(as_text=True)


def test_mail_is_queued_after_the_commit_when_mail_is_configured(
    app: Flask, client: FlaskClient, people: People, tasks: Tasks
) -> None:
    app.config["SMTP_URL"] = "smtp://127.0.0.1:1"
    login_as(app, client, people.official)
    thread = f"/me/messages/{people.partner}"
    post(client, thread, {"body": "Hola"}, page=thread)
    assert tasks["send_notification_mails"].committed == [True]
