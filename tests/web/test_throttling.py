"""Throttling that fits a congress hall (issue 9, item 4): failed logins per account and per
client address, password links per address and per target email, forwarded addresses only
from trusted proxies, counts shared through Redis, a 429 that says when to retry, and a login
that takes as long for an unknown email as for a known one."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

import matchmaker.models.participant
import matchmaker.services.accounts
from matchmaker.config import throttling_settings
from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import invitations
from matchmaker.services.accounts import create_user
from tests.conftest import REDIS_URL, clear_database, make_app, require
from tests.web.helpers import csrf_token, login

ORGANISER = "org@example.org"
OTHER = "other@example.org"
PASSWORD = "right-password"

MakeApp = Callable[..., Flask]


def redis_available() -> bool:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return True
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def make_throttled_app(database_url: str, tmp_path: Path) -> Iterator[MakeApp]:
    """Apps with throttling on, each counting under this test's own key prefix (the Redis
    keys are removed afterwards) and sharing the test's database."""
    prefix = f"matchmaker-test-{uuid.uuid4().hex[:12]}"
    apps: list[Flask] = []

    def make(**overrides: object) -> Flask:
        settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": prefix, **overrides}
        app = make_app(database_url, tmp_path / f"instance-{len(apps)}", **settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        storage = app.extensions["throttle"].storage
        if app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL:
            storage.reset()  # this prefix's keys only
            storage.storage.close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if apps:
        clear_database(apps[0])


def add_accounts(app: Flask, *emails: str) -> None:
    with app.app_context():
        for email in emails:
            create_user(email, PASSWORD, "organiser")
        db.session.commit()


def logout(client: FlaskClient) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def error_next_to_password(page: str) -> str:
    start = page.index('id="password-error"')
    return page[start : page.index("</p>", start)]


# --------------------------------------------------------------------------- per account


def test_five_failures_lock_the_account_even_for_the_right_password(
    make_throttled_app: MakeApp,
) -> None:
    app = make_throttled_app()
    add_accounts(app, ORGANISER, OTHER)
    client = app.test_client()
    for _ in range(5):
        assert login(client, ORGANISER, "wrong-guess").status_code == 200
    locked = login(client, "Org@Example.org", PASSWORD)  # any spelling of the address
    assert locked.status_code == 429
    assert 14 * 60 < int(locked.headers["Retry-After"]) <= 15 * 60
    message = error_next_to_password(locked.get_data(as_text=True))
    assert "Demasiados intentos fallidos" in message
    assert "Vuelve a intentarlo en 15 minutos" in message
    # The lock is this account's: from the same address, someone else gets in.
    assert login(client, OTHER, PASSWORD).status_code == 302


def test_the_account_counter_counts_emails_without_an_account_too(
    make_throttled_app: MakeApp,
) -> None:
    """Unknown and known emails lock alike, so a lock tells nobody who is registered."""
    app = make_throttled_app(LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    client = app.test_client()
    for _ in range(2):
        assert login(client, "nobody@example.org", "guess-guess").status_code == 200
    assert login(client, "nobody@example.org", "guess-guess").status_code == 429


# --------------------------------------------------------------------------- per address


def test_a_hall_logging_in_from_one_address_is_limited_by_failures_only(
    make_throttled_app: MakeApp,
) -> None:
    app = make_throttled_app(LOGIN_LIMIT_PER_ADDRESS="3 per 10 minutes")
    emails = [f"person{n}@example.org" for n in range(5)]
    add_accounts(app, *emails)
    client = app.test_client()
    # Everyone behind the venue's address logs in: successes are never counted.
    for email in emails:
        assert login(client, email, PASSWORD).status_code == 302
        logout(client)
    # A guesser spreading tries over many accounts runs out per address.
    for email in emails[:3]:
        assert login(client, email, "guess-guess").status_code == 200
    refused = login(client, emails[4], PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(other, emails[4], PASSWORD).status_code == 302


def test_default_limits_suit_a_congress_hall() -> None:
    settings = throttling_settings("sqla+sqlite:///broker.db")
    assert settings["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"
    assert settings["LOGIN_LIMIT_PER_ADDRESS"] == "100 per 10 minutes"
    assert settings["TRUSTED_PROXIES"] == 0
    assert settings["RATELIMIT_STORAGE_URI"] == "memory://"
    assert throttling_settings("redis://cache:6379/2")["RATELIMIT_STORAGE_URI"] == (
        "redis://cache:6379/2"
    )


def test_limits_and_storage_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKER_LOGIN_LIMIT_PER_ACCOUNT", "3 per hour")
    monkeypatch.setenv("MATCHMAKER_RATELIMIT_STORAGE_URL", "redis://limits:6379/5")
    monkeypatch.setenv("MATCHMAKER_TRUSTED_PROXIES", "2")
    settings = throttling_settings("redis://broker:6379/0")
    assert settings["LOGIN_LIMIT_PER_ACCOUNT"] == "3 per hour"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://limits:6379/5"
    assert settings["TRUSTED_PROXIES"] == 2


# --------------------------------------------------------------------------- trusted proxies


def add_probe(app: Flask) -> None:
    """A page that shows what the app believes about the request."""
    app.add_url_rule(
        "/_probe",
        "probe",
        lambda: f"{request.remote_addr} {request.is_secure} {request.host}",
    )


FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
}


def test_without_trusted_proxies_forwarded_headers_are_ignored(
    make_throttled_app: MakeApp,
) -> None:
    app = make_throttled_app(LOGIN_LIMIT_PER_ADDRESS="2 per 10 minutes")
    add_probe(app)
    client = app.test_client()
    probe = client.get("/_probe", headers=FORWARDED).get_data(as_text=True)
    assert probe == "127.0.0.1 False localhost"
    for n in range(2):
        forged = {"X-Forwarded-For": f"198.51.100.{n}"}
        token = csrf_token(client, "/login")
        data = {"email": f"x{n}@example.org", "password": "guess-guess", "csrf_token": token}
        assert client.post("/login", data=data, headers=forged).status_code == 200
    # A third forged address does not buy a fresh allowance: the count is the socket's.
    token = csrf_token(client, "/login")
    data = {"email": "x9@example.org", "password": "guess-guess", "csrf_token": token}
    forged = {"X-Forwarded-For": "198.51.100.99"}
    assert client.post("/login", data=data, headers=forged).status_code == 429


def test_one_trusted_proxy_gives_the_client_address_and_scheme_but_not_the_host(
    make_throttled_app: MakeApp,
) -> None:
    app = make_throttled_app(TRUSTED_PROXIES=1, LOGIN_LIMIT_PER_ADDRESS="2 per 10 minutes")
    add_probe(app)
    client = app.test_client()
    # Only the nearest hop counts: an address the client put before the proxy's is not used.
    chained = {**FORWARDED, "X-Forwarded-For": "10.9.9.9, 203.0.113.9"}
    probe = client.get("/_probe", headers=chained).get_data(as_text=True)
    assert probe == "203.0.113.9 True localhost"

    def fail_from(address: str) -> int:
        token = csrf_token(client, "/login")
        data = {"email": f"{uuid.uuid4().hex[:8]}@example.org", "password": "guess-guess",
                "csrf_token": token}  # fmt: skip
        return client.post("/login", data=data, headers={"X-Forwarded-For": address}).status_code

    assert [fail_from("203.0.113.1") for _ in range(2)] == [200, 200]
    assert fail_from("203.0.113.1") == 429
    assert fail_from("203.0.113.2") == 200  # another client behind the same proxy


# --------------------------------------------------------------------------- shared counts


def test_two_web_processes_share_the_counts_in_redis(make_throttled_app: MakeApp) -> None:
    require(redis_available(), f"Redis not reachable at {REDIS_URL}")
    first = make_throttled_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    second = make_throttled_app(RATELIMIT_STORAGE_URI=REDIS_URL)
    assert first.extensions["throttle"].storage is not second.extensions["throttle"].storage
    add_accounts(first, ORGANISER)
    client = first.test_client()
    for _ in range(5):
        assert login(client, ORGANISER, "wrong-guess").status_code == 200
    refused = login(second.test_client(), ORGANISER, PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 14 * 60


def test_counts_in_memory_are_per_process(make_throttled_app: MakeApp) -> None:
    """The control for the test above: without Redis, a second process counts on its own."""
    first = make_throttled_app(RATELIMIT_STORAGE_URI="memory://")
    second = make_throttled_app(RATELIMIT_STORAGE_URI="memory://")
    add_accounts(first, ORGANISER)
    client = first.test_client()
    for _ in range(5):
        assert login(client, ORGANISER, "wrong-guess").status_code == 200
    assert login(client, ORGANISER, PASSWORD).status_code == 429
    assert login(second.test_client(), ORGANISER, PASSWORD).status_code == 302


def test_an_unreachable_counter_store_does_not_stop_logins(make_throttled_app: MakeApp) -> None:
    app = make_throttled_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    add_accounts(app, ORGANISER)
    client = app.test_client()
    assert login(client, ORGANISER, "wrong-guess").status_code == 200
    assert login(client, ORGANISER, PASSWORD).status_code == 302


# --------------------------------------------------------------------------- password links


def ask_for_link(client: FlaskClient, email: str, lang: str = "es"):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/password/forgot")
    return client.post(f"/password/forgot?lang={lang}",
                       data={"email": email, "csrf_token": token})  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "title", "wait"),
    [
        ("es", "Demasiados intentos", "Vuelve a intentarlo en 60 minutos"),
        ("en", "Too many attempts", "Try again in 60 minutes"),
        ("pt", "Tentativas demais", "Tente novamente em 60 minutos"),
    ],
)
def test_nobody_can_flood_one_inbox(
    make_throttled_app: MakeApp, lang: str, title: str, wait: str
) -> None:
    app = make_throttled_app(SMTP_URL="smtp://127.0.0.1:1")
    client = app.test_client()
    victim = "nobody@example.org"  # no account: nothing is queued, the answer is the same
    for _ in range(3):
        assert ask_for_link(client, victim).status_code == 302
    refused = ask_for_link(client, victim.upper(), lang)
    assert refused.status_code == 429
    assert 59 * 60 < int(refused.headers["Retry-After"]) <= 3600
    page = refused.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page and title in page and wait in page
    assert 'href="/"' in page  # a way back
    # Someone else's link is still on offer from the same address.
    assert ask_for_link(client, "another@example.org").status_code == 302


def test_password_links_are_limited_per_address(make_throttled_app: MakeApp) -> None:
    app = make_throttled_app(
        SMTP_URL="smtp://127.0.0.1:1", PASSWORD_RESET_LIMIT_PER_ADDRESS="4 per 10 minutes"
    )
    client = app.test_client()
    answers = [ask_for_link(client, f"n{n}@example.org").status_code for n in range(5)]
    assert answers == [302, 302, 302, 302, 429]


def test_an_invitation_link_takes_a_limited_number_of_tries(make_throttled_app: MakeApp) -> None:
    app = make_throttled_app(INVITE_LIMIT_PER_ACCOUNT="3 per 10 minutes")
    with app.app_context():
        user = invitations.create_organiser_account("new@example.org")
        invitations.invite([user])
        db.session.commit()
        link = f"/invite/{invitations.invitation_token(user, app.config['SECRET_KEY'])}"
    client = app.test_client()

    def choose(password: str) -> int:
        data = {"new": password, "confirm": password, "csrf_token": csrf_token(client, link)}
        return client.post(link, data=data).status_code

    assert [choose("12345678") for _ in range(3)] == [200, 200, 200]  # weak: refused
    assert choose("a-much-better-passphrase") == 429
    assert client.get(link).status_code == 200  # looking at the page is not an attempt


# --------------------------------------------------------------------------- constant time


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password hash checked, in order (the real check still runs)."""
    from werkzeug.security import check_password_hash

    checked: list[str] = []

    def counting(pwhash: str, password: str) -> bool:
        checked.append(pwhash)
        return check_password_hash(pwhash, password)

    for module in (matchmaker.models.participant, matchmaker.services.accounts):
        monkeypatch.setattr(module, "check_password_hash", counting)
    return checked


def test_every_login_checks_exactly_one_real_hash(
    app: Flask, client: FlaskClient, hash_checks: list[str]
) -> None:
    add_accounts(app, ORGANISER, "inactive@example.org")
    with app.app_context():
        inactive = db.session.execute(
            db.select(User).where(User.email == "inactive@example.org")
        ).scalar_one()
        inactive.active = False
        invited = invitations.create_organiser_account("invited@example.org")
        db.session.commit()
        method = inactive.password_hash.split("$")[0]  # e.g. scrypt:32768:8:1
        assert invited.password_hash.startswith("!")  # not a hash: no work to check it
    cases = [
        (ORGANISER, "wrong-guess"),
        ("nobody@example.org", "wrong-guess"),
        ("inactive@example.org", PASSWORD),
        ("invited@example.org", "wrong-guess"),
    ]
    for email, password in cases:
        hash_checks.clear()
        assert login(client, email, password).status_code == 200
        assert len(hash_checks) == 1, email
        assert hash_checks[0].split("$")[0] == method, email  # as slow as a real one


def test_unknown_emails_take_as_long_as_known_ones(app: Flask, client: FlaskClient) -> None:
    add_accounts(app, ORGANISER)
    login(client, "warm-up@example.org", "wrong-guess")
    known: list[float] = []
    unknown: list[float] = []
    for n in range(5):  # interleaved, so a busy machine slows both alike
        for email, times in ((ORGANISER, known), (f"nobody{n}@example.org", unknown)):
            token = csrf_token(client, "/login")
            data = {"email": email, "password": "wrong-guess", "csrf_token": token}
            start = time.perf_counter()
            client.post("/login", data=data)
            times.append(time.perf_counter() - start)
    assert statistics.median(unknown) >= 0.5 * statistics.median(known)
