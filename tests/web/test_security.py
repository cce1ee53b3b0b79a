"""Issue 9's attacks, each tried as an attacker would: forged Host headers, open redirects,
copied session cookies, framing and caching, error pages that leak or strand people, a
renamed demo event."""

from __future__ import annotations

import io
import re
import tempfile
from email import message_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.http_security import HEADERS
from matchmaker.models import Event, User
from matchmaker.services import api_tokens
from matchmaker.urls import is_same_site_path
from tests.conftest import make_app
from tests.web.helpers import CSRF, csrf_token, login
from tests.web.organiser_world import ORGANISER, PASSWORD, login_organiser, post, seed
from tests.web.task_recorder import Tasks

OFFICIAL = "official@example.org"
EVIL = "evil.example"

# --------------------------------------------------------------------------- 1. mailed links


def ask_for_a_password_link(client: FlaskClient, email: str = OFFICIAL) -> None:
    """As the attacker does: every request of their session sent with a forged Host."""
    forged = {"Host": EVIL, "X-Forwarded-Host": EVIL}
    form = client.get("/password/forgot", headers=forged).get_data(as_text=True)
    token = CSRF.search(form)
    data = {"email": email, "csrf_token": token.group(1) if token else ""}
    client.post("/password/forgot", data=data, headers=forged)


def mailed_bodies(received: list) -> list[str]:
    bodies = []
    for envelope in received:
        message = message_from_bytes(envelope.content)
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                bodies.append(part.get_payload(decode=True).decode())
    return bodies


def test_a_forged_host_never_reaches_a_mailed_link(
    app: Flask, client: FlaskClient, smtp_sink: tuple[str, list], tasks: Tasks
) -> None:
    """The password link goes to the configured public address, whatever Host the request
    carried; the worker's task mails exactly that."""
    import workers.tasks

    smtp_url, received = smtp_sink
    app.config.update(SMTP_URL=smtp_url, BASE_URL="https://citas.example.org/")
    queued = tasks["send_account_invitations"].calls
    seed(app)
    ask_for_a_password_link(client)
    assert queued == [("https://citas.example.org/",)]
    with app.app_context():
        workers.tasks.send_account_invitations.run(*queued[0])
    (body,) = mailed_bodies(received)
    assert "https://citas.example.org/invite/" in body
    assert EVIL not in body


def test_without_a_public_address_no_link_is_mailed_nor_handed_out(
    app: Flask, client: FlaskClient, tasks: Tasks
) -> None:
    """Mail configured but no MATCHMAKER_BASE_URL: the forgotten-password page does not offer
    mail, nothing is queued, and organisers are told why invitations cannot go out."""
    app.config.update(SMTP_URL="smtp://127.0.0.1:1", BASE_URL="")
    seed(app)
    page = client.get("/password/forgot", headers={"Host": EVIL}).get_data(as_text=True)
    assert "Pide a la organización del evento un enlace nuevo" in page
    ask_for_a_password_link(client)
    login_organiser(client)
    overview = client.get("/organiser/").get_data(as_text=True)
    assert "MATCHMAKER_BASE_URL" in overview
    response = post(client, "/organiser/accounts/invite", {"scope": "missing"})
    assert response.status_code == 302
    assert "falta la dirección pública" in client.get("/organiser/accounts").get_data(as_text=True)
    assert tasks.sent == []
    with app.app_context():
        invited = db.session.execute(db.select(User).where(User.invited_at.is_not(None)))
        assert invited.scalars().all() == []
        assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 2


# --------------------------------------------------------------------------- 2. redirects

UNSAFE_TARGETS = [
    "////evil.example",
    "//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/ /evil.example",
    "https:evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%5Cevil.example",
    "evil.example",
    "",
    "\\\\evil.example",
]
SAFE_TARGETS = ["/", "/me/agenda", "/organiser/matches?theme=urban-mobility&page=2", "/me/#x"]


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_unsafe_targets_are_not_same_site(target: str) -> None:
    assert not is_same_site_path(target)


@pytest.mark.parametrize("target", SAFE_TARGETS)
def test_same_site_paths_are(target: str) -> None:
    assert is_same_site_path(target)


@pytest.mark.parametrize("target", UNSAFE_TARGETS)
def test_login_and_language_switch_never_redirect_off_site(
    app: Flask, client: FlaskClient, target: str
) -> None:
    seed(app)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", query_string={"next": target},
        data={"email": ORGANISER, "password": PASSWORD, "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    token = csrf_token(client, "/")
    response = client.post("/language", data={"locale": "en", "next": target, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_organiser_back_links_stay_in_their_area(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    for target, expected in (
        ("/organiser/matches?page=2", "/organiser/matches?page=2"),
        ("/organiser/matches\\@evil.example", "/organiser/matches"),
        ("////evil.example/organiser/matches", "/organiser/matches"),
        ("/me/", "/organiser/matches"),
    ):
        response = post(
            client, f"/organiser/matches/{data.suggestions[0]}/decide",
            {"decision": "approve", "next": target},
        )  # fmt: skip
        assert response.headers["Location"] == expected, target


# --------------------------------------------------------------------------- 3. sessions


def copy_of_session(client: FlaskClient, app: Flask) -> FlaskClient:
    """A second browser holding a copy of the first one's session cookie."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(cookie.key, cookie.value)
    return thief


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/organiser/").status_code == 200


def test_logout_ends_every_copy_of_the_session(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    thief = copy_of_session(client, app)
    assert is_logged_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    assert not is_logged_in(client)
    assert not is_logged_in(thief)
    login_organiser(client)  # logging in again works, and the copied cookie stays dead
    assert is_logged_in(client) and not is_logged_in(thief)


def test_a_password_change_ends_other_sessions_and_keeps_this_one(
    app: Flask, client: FlaskClient
) -> None:
    seed(app)
    login_organiser(client)
    current = PASSWORD
    for new_password in ("Otra-clave-segura-2032", "Y-otra-distinta-2028", "La-tercera-2029"):
        thief = copy_of_session(client, app)
        token = csrf_token(client, "/account/password")
        response = client.post(
            "/account/password",
            data={"current": current, "new": new_password, "confirm": new_password,
                  "csrf_token": token},
        )  # fmt: skip
        assert response.status_code == 302
        assert is_logged_in(client)
        assert not is_logged_in(thief)
        current = new_password


def test_the_csrf_token_changes_at_login(app: Flask, client: FlaskClient) -> None:
    seed(app)
    before = csrf_token(client, "/login")
    login_organiser(client)
    after = csrf_token(client, "/organiser/")
    assert before != after
    with client.session_transaction() as session:
        assert session["_user_id"].startswith(f"{_organiser_id(app)}:")


def test_a_session_from_before_the_upgrade_is_logged_out(app: Flask, client: FlaskClient) -> None:
    """Sessions stored a bare user id before session tokens: they must log in again."""
    seed(app)
    with client.session_transaction() as session:
        session["_user_id"] = str(_organiser_id(app))
        session["_fresh"] = True
    assert not is_logged_in(client)


def _organiser_id(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).where(User.email == ORGANISER)).scalar_one()


# --------------------------------------------------------------------------- 5. headers


def _all_rules(app: Flask) -> list[tuple[str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((method, url))
    return rules


def test_every_response_carries_the_security_headers(app: Flask, client: FlaskClient) -> None:
    """Every route, anonymous and as an organiser, whatever the status: CSP without inline
    script, no framing, no sniffing, no referrer off the site, and nothing cached."""
    seed(app)
    rules = _all_rules(app)
    assert len(rules) > 40
    checked = 0
    for logged in (False, True):
        if logged:
            login_organiser(client)
        for method, url in rules:
            if url == "/logout":
                continue  # it would end the session the rest of the loop uses
            response = client.open(url, method=method)
            for name, value in HEADERS.items():
                assert response.headers.get(name) == value, (method, url, name)
            assert response.headers["Cache-Control"] == "no-store", (method, url)
            checked += 1
    csp = HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1][:30]
    assert "frame-ancestors 'none'" in csp
    assert checked == 2 * (len(rules) - 1)


def test_api_answers_carry_them_too(app: Flask, client: FlaskClient) -> None:
    """The loop above meets API routes without a token (401); with one, answers and problems
    alike carry the same headers and are never cached."""
    data = seed(app)
    with app.app_context():
        organiser = db.session.execute(db.select(User).where(User.email == ORGANISER))
        secret = api_tokens.create_token(organiser.scalar_one(), "headers").secret
        db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    for path, status in (("/api/v1/events", 200), (f"/api/v1/events/{data.event_id}", 200),
                         ("/api/v1/events/987654", 404), ("/api/v1/me", 403),
                         ("/api/v1/openapi.json", 200)):  # fmt: skip
        response = client.get(path, headers=bearer)
        assert response.status_code == status, path
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
        assert response.headers["Cache-Control"] == "no-store", path
        if status >= 400:
            assert response.mimetype == "application/problem+json", path


def test_personal_files_are_not_cached_and_static_files_are(
    app: Flask, client: FlaskClient
) -> None:
    seed(app)
    login(client, OFFICIAL, PASSWORD)
    for path in ("/me/agenda.ics", "/me/agenda.pdf", "/me/agenda"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    css = client.get("/static/app.css")
    assert "no-store" not in css.headers.get("Cache-Control", "")
    css.close()


def test_pages_have_no_inline_script(app: Flask, client: FlaskClient) -> None:
    """The CSP would block it: every script is a /static file."""
    seed(app)
    login_organiser(client)
    for path in ("/", "/login", "/organiser/", "/organiser/accounts", "/organiser/schedule"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r"\son[a-z]+=", page), path


def test_session_cookie_is_samesite_and_secure_behind_https(database_url: str) -> None:
    for base_url, secure in (("http://localhost/", False), ("https://citas.example.org/", True)):
        with tempfile.TemporaryDirectory() as instance:
            app = make_app(database_url, instance, BASE_URL=base_url)
            client = app.test_client()
            client.get("/login")  # the CSRF token is stored in the session: a cookie is set
            response = client.get("/login")
            cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
            assert cookie is not None
            assert cookie.same_site == "Lax" and cookie.http_only
            assert cookie.secure is secure
            hsts = response.headers.get("Strict-Transport-Security")
            assert (hsts is not None) is secure
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


# --------------------------------------------------------------------------- 11. error pages


@pytest.mark.parametrize(
    ("lang", "words"), [("es", "Página no encontrada"), ("en", "Page not found"),
                        ("pt", "Página não encontrada")],
)  # fmt: skip
def test_not_found_is_our_page_in_the_readers_language(
    client: FlaskClient, lang: str, words: str
) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": lang})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert words in page and 'href="/"' in page
    assert "Werkzeug" not in page and "The requested URL" not in page


def test_other_errors_are_our_pages(app: Flask, client: FlaskClient) -> None:
    seed(app)
    wrong_method = client.get("/logout")
    assert wrong_method.status_code == 405 and "POST" in wrong_method.headers["Allow"]
    assert "Acción no permitida" in wrong_method.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    expired = client.post("/login", data={"email": ORGANISER, "password": PASSWORD})
    assert expired.status_code == 400
    assert "El formulario caducó" in expired.get_data(as_text=True)
    login_organiser(client)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    token = csrf_token(client, "/organiser/participants/upload")
    too_big = client.post(
        "/organiser/participants/upload",
        data={"csrf_token": token, "file": (io.BytesIO(b"x" * 4096), "p.csv")},
    )
    assert too_big.status_code == 413
    assert "Archivo demasiado grande" in too_big.get_data(as_text=True)


def test_a_server_error_is_our_page_and_rolls_back(database_url: str) -> None:
    with tempfile.TemporaryDirectory() as instance:
        app = make_app(database_url, instance, PROPAGATE_EXCEPTIONS=False)

        @app.get("/boom")
        def boom() -> str:
            db.session.add(Event(name="half-done"))
            db.session.flush()
            raise RuntimeError("boom")

        response = app.test_client().get("/boom", headers={"Accept-Language": "es"})
        page = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "Algo salió mal" in page and "RuntimeError" not in page and "Traceback" not in page
        with app.app_context():
            assert db.session.execute(db.select(Event)).scalars().all() == []
            db.session.remove()
            db.engine.dispose()


# --------------------------------------------------------------------------- 13. demo


def test_a_renamed_demo_is_still_the_demo(app: Flask, invoke) -> None:  # type: ignore[no-untyped-def]
    env = {"MATCHMAKER_PASSWORD": "Demo-clave-segura-2026"}
    assert invoke("demo", env=env).exit_code == 0
    with app.app_context():
        (event,) = db.session.execute(db.select(Event)).scalars().all()
        assert event.is_demo
        event.name = "Smart City Expo Latam 2032 (ensayo)"
        db.session.commit()
    assert invoke("demo", env=env).exit_code == 0
    with app.app_context():
        names = db.session.execute(db.select(Event.name)).scalars().all()
        assert names == ["Smart City Expo Latam 2032 (ensayo)"]


def test_serve_takes_its_public_address_from_where_it_listens() -> None:
    from matchmaker.cli.run import listening_address

    assert listening_address("127.0.0.1", 5077) == "http://127.0.0.1:5077/"
    assert listening_address("::1", 80) == "http://[::1]:80/"
    assert listening_address("0.0.0.0", 5000) == ""  # every address: it must be configured
