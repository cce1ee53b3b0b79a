"""The same write sent by several people at the same moment: one row, no 500, and everyone
else is answered as if they had clicked a moment later, in their own language.

Each thread has its own test client and session (so its own database connection); a barrier
releases their POSTs together. The unique indexes decide who wins; the views turn the losers'
conflicts into the service's own answer.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from markupsafe import escape

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import AuditEntry, BlockedPair, MatchSuggestion, MeetingRequest, User
from tests.conftest import clear_database, make_app
from tests.factories import create_event, create_participant
from tests.web.authorization_world import PASSWORD_HASH, SESSION_TOKEN, as_user
from tests.web.helpers import csrf_token

THREADS = 8
LANGUAGES = ("es", "en", "pt")
#: A flashed message as the page shows it.
FLASH = '<p class="flash'


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Tasks go to an in-memory broker: what is tested is the write, not the worker."""
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings("memory://"))
    yield app
    clear_database(app)


@dataclass
class Crowd:
    event: int
    officials: list[int]  # participant ids
    partners: list[int]
    official_users: list[int]  # user id of each official, then each partner
    partner_users: list[int]
    organisers: list[int]  # user ids


def _user(email: str, role: str, participant: object = None) -> User:
    user = User(email=email, role=role, participant=participant)
    user.password_hash, user.session_token = PASSWORD_HASH, SESSION_TOKEN
    db.session.add(user)
    return user


@pytest.fixture
def crowd(app: Flask) -> Crowd:
    """Three officials and three partners with accounts, no suggestion between them, and
    THREADS organisers."""
    with app.app_context():
        event = create_event()
        officials = [create_participant(event, "government") for _n in range(3)]
        partners = [create_participant(event, "partner") for _n in range(3)]
        official_users = [_user(f"official{i}@example.org", "official", p)
                          for i, p in enumerate(officials)]  # fmt: skip
        partner_users = [_user(f"partner{i}@example.org", "partner", p)
                         for i, p in enumerate(partners)]  # fmt: skip
        organisers = [_user(f"org{i}@example.org", "organiser") for i in range(THREADS)]
        db.session.commit()
        crowd = Crowd(
            event=event.id,
            officials=[p.id for p in officials],
            partners=[p.id for p in partners],
            official_users=[u.id for u in official_users],
            partner_users=[u.id for u in partner_users],
            organisers=[u.id for u in organisers],
        )
        db.session.remove()
    return crowd


@dataclass
class Answer:
    status: int
    flashes: str  # the page the POST led to
    error: str = ""


@dataclass
class Attempt:
    """One thread's POST: who sends it, where, what, and in which language."""

    user_id: int
    path: str
    data: dict[str, str]
    language: str
    token_from: str


def _race(app: Flask, attempts: list[Attempt]) -> list[Answer]:
    """Every attempt from its own client and session, released at once."""
    barrier = threading.Barrier(len(attempts))
    answers: list[Answer | None] = [None] * len(attempts)

    def run(index: int, attempt: Attempt) -> None:
        client: FlaskClient = as_user(app.test_client(), attempt.user_id)
        token = csrf_token(client, attempt.token_from)
        barrier.wait(timeout=30)
        try:
            response = client.post(
                f"{attempt.path}?lang={attempt.language}",
                data={**attempt.data, "csrf_token": token},
            )
            page = ""
            if response.status_code == 302:
                location = response.headers["Location"]
                joiner = "&" if "?" in location else "?"
                page = client.get(f"{location}{joiner}lang={attempt.language}").get_data(
                    as_text=True
                )
            elif response.status_code == 200:
                page = response.get_data(as_text=True)
            answers[index] = Answer(response.status_code, page)
        except Exception as exc:  # what a 500 is in a TESTING app
            answers[index] = Answer(500, "", f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(not thread.is_alive() for thread in threads), "a thread hung"
    assert all(answer is not None for answer in answers)
    return answers  # type: ignore[return-value]


def _message(app: Flask, language: str, msgid: str, **values: str) -> str:
    """A message of the app in ``language``, as a page shows it (escaped)."""
    with app.test_request_context(), force_locale(language):
        return str(escape(gettext(msgid, **values)))


def _count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        count = db.session.execute(
            db.select(db.func.count()).select_from(model).where(*where)
        ).scalar_one()
        db.session.remove()
    return int(count)


def _no_500(answers: list[Answer]) -> None:
    failures = [a.error or f"status {a.status}" for a in answers if a.status >= 500 or a.error]
    assert not failures, failures


# --------------------------------------------------------------------------- requests


def _request_attempts(crowd: Crowd, pair: int, both_ways: bool) -> list[Attempt]:
    official, partner = crowd.officials[pair], crowd.partners[pair]
    attempts = []
    for i in range(THREADS):
        from_partner = both_ways and i % 2 == 1
        user = crowd.partner_users[pair] if from_partner else crowd.official_users[pair]
        path = f"/me/requests/new/{official if from_partner else partner}"
        attempts.append(Attempt(user, path, {"message": f"hola {i}"}, LANGUAGES[i % 3], path))
    return attempts


@pytest.mark.parametrize("both_ways", [False, True], ids=["same-side", "both-sides"])
def test_simultaneous_requests_for_one_pair_make_one(
    app: Flask, crowd: Crowd, both_ways: bool
) -> None:
    """Identical requests from one official, or requests and proposals from both sides: one
    pending request, the others told there is already one, in their language."""
    for pair in range(3):  # a few rounds: a race lost once is not enough to trust
        attempts = _request_attempts(crowd, pair, both_ways)
        answers = _race(app, attempts)
        _no_500(answers)
        assert {a.status for a in answers} == {302}
        pending = _count(app, MeetingRequest, MeetingRequest.government_id ==
                         crowd.officials[pair], MeetingRequest.status == "pending")  # fmt: skip
        assert pending == 1
        sent = refused = 0
        for attempt, answer in zip(attempts, answers, strict=True):
            lang = attempt.language
            already = _message(app, lang, "Ya hay una solicitud abierta entre ustedes.")
            ok = {_message(app, lang, "Solicitud enviada."),
                  _message(app, lang, "Propuesta enviada.")}  # fmt: skip
            if already in answer.flashes:
                refused += 1
            elif any(message in answer.flashes for message in ok):
                sent += 1
        assert (sent, refused) == (1, THREADS - 1)


# --------------------------------------------------------------------------- organisers


def _pair_attempts(crowd: Crowd, path: str, pair: int, reason: bool) -> list[Attempt]:
    data = {"government": str(crowd.officials[pair]), "partner": str(crowd.partners[pair])}
    return [
        Attempt(organiser, path, data | ({"reason": f"motivo {i}"} if reason else {}),
                LANGUAGES[i % 3], path)
        for i, organiser in enumerate(crowd.organisers)
    ]  # fmt: skip


def test_organisers_adding_one_pair_at_once_make_one_suggestion(app: Flask, crowd: Crowd) -> None:
    """Adding a pair that is already there approves it: so does everyone who loses the race."""
    for pair in range(3):
        attempts = _pair_attempts(crowd, "/organiser/matches/add", pair, reason=False)
        answers = _race(app, attempts)
        _no_500(answers)
        assert {a.status for a in answers} == {302}
        with app.app_context():
            suggestions = db.session.execute(
                db.select(MatchSuggestion).where(
                    MatchSuggestion.government_id == crowd.officials[pair]
                )
            ).scalars().all()  # fmt: skip
            assert [(s.partner_id, s.status, s.source) for s in suggestions] == [
                (crowd.partners[pair], "approved", "manual")
            ]
            db.session.remove()
        for attempt, answer in zip(attempts, answers, strict=True):
            added = _message(app, attempt.language, "Par añadido y aprobado: %(g)s ↔ %(p)s.")
            assert added.split(":")[0] in answer.flashes, attempt.language
    assert _count(app, AuditEntry, AuditEntry.action == "suggestion.added") == 3 * THREADS


def test_organisers_blocking_one_pair_at_once_make_one_block(app: Flask, crowd: Crowd) -> None:
    """Blocking a blocked pair again updates its reason: so does everyone who loses the race."""
    for pair in range(3):
        attempts = _pair_attempts(crowd, "/organiser/matches/block", pair, reason=True)
        answers = _race(app, attempts)
        _no_500(answers)
        assert {a.status for a in answers} == {302}
        with app.app_context():
            blocks = db.session.execute(
                db.select(BlockedPair).where(BlockedPair.government_id == crowd.officials[pair])
            ).scalars().all()  # fmt: skip
            assert [b.partner_id for b in blocks] == [crowd.partners[pair]]
            assert blocks[0].reason in {a.data["reason"] for a in attempts}
            db.session.remove()
        for attempt, answer in zip(attempts, answers, strict=True):
            blocked = _message(app, attempt.language, "Par bloqueado: %(g)s ↔ %(p)s.")
            assert blocked.split(":")[0] in answer.flashes, attempt.language
    assert _count(app, AuditEntry, AuditEntry.action == "pair.blocked") == 3 * THREADS
