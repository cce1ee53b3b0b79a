"""Every route × every role: who gets in, who is sent to log in, who is refused.

Exhaustive by construction: the routes come from ``app.url_map`` at collection time and each
one must have an entry in ``ACCESS``; a new route without an entry fails here, and so does an
entry whose route is gone. URL arguments are filled from a small world (one event, two officials,
two partners, suggestions, a request and a published meeting between official A and partner A,
a job) by argument name, so a new argument name fails too until ``ARGUMENTS`` knows it.

Participants B are the "not yours" case: they are logged in with the right role but do not own
the objects in the URL, and must get 404 or 403. Refused requests must change nothing in the
database. POSTs carry a valid CSRF token, so CSRF is never what refuses them.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from matchmaker.api import core as api_core
from matchmaker.config import celery_settings
from matchmaker.extensions import db
from tests.conftest import REPO, clear_database, make_app
from tests.web.authorization_world import (
    ARGUMENTS,
    DEACTIVATED,
    World,
    any_csrf_token,
    as_user,
    build_world,
)

#: The roles every route is tried with. "official"/"partner" own the world's objects; the
#: "other_" ones have the same roles but own nothing in the URL.
ROLES = ("anonymous", "official", "partner", "other_official", "other_partner", "organiser")
PARTICIPANTS = ("official", "partner", "other_official", "other_partner")
#: Statuses that mean "let in" for a route a role may use: a page, or after a POST a redirect
#: (done) or 400 (the empty form we send is not valid data).
OK_GET = frozenset({200})
OK_POST = frozenset({200, 302, 400})
NOT_YOURS = frozenset({403, 404})
TO_LOGIN = "to-login"  # 302 to /login?next=...
ARTIFACTS = REPO / "test-artifacts"


# --------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Access:
    """What each role gets from one route and method: a set of statuses or TO_LOGIN."""

    expected: dict[str, frozenset[int] | str]
    #: URL argument values for this route only (else ARGUMENTS by name).
    args: dict[str, Callable[[World], Any]] = field(default_factory=dict)
    #: Form fields besides the CSRF token.
    data: dict[str, str] = field(default_factory=dict)


def _ok(method: str) -> frozenset[int]:
    return OK_POST if method == "POST" else OK_GET


def public(method: str = "GET", **overrides: frozenset[int]) -> Access:
    expected: dict[str, frozenset[int] | str] = {role: _ok(method) for role in ROLES}
    expected.update(overrides)
    return Access(expected)


def logged_in(method: str = "GET") -> Access:
    expected: dict[str, frozenset[int] | str] = {role: _ok(method) for role in ROLES}
    expected["anonymous"] = TO_LOGIN
    return Access(expected)


def organiser_only(method: str = "GET", **kwargs: Any) -> Access:
    expected: dict[str, frozenset[int] | str] = {role: frozenset({403}) for role in PARTICIPANTS}
    expected |= {"anonymous": TO_LOGIN, "organiser": _ok(method)}
    return Access(expected, **kwargs)


def participants(method: str = "GET", roles: tuple[str, ...] = PARTICIPANTS, **kw: Any) -> Access:
    """For any official or partner (their own data, no object of someone else in the URL)."""
    expected: dict[str, frozenset[int] | str] = {role: frozenset({403}) for role in PARTICIPANTS}
    expected |= {role: _ok(method) for role in roles}
    expected |= {"anonymous": TO_LOGIN, "organiser": frozenset({403})}
    return Access(expected, **kw)


def owners(
    method: str = "GET", roles: tuple[str, ...] = ("official", "partner"), **kw: Any
) -> Access:
    """An object of official A and partner A: ``roles`` may act on it, other participants (B, or
    the side that may not do this) get 404 or 403."""
    expected: dict[str, frozenset[int] | str] = {role: NOT_YOURS for role in PARTICIPANTS}
    expected |= {role: _ok(method) for role in roles}
    expected |= {"anonymous": TO_LOGIN, "organiser": frozenset({403})}
    return Access(expected, **kw)


ORGANISER_ROUTES = (
    "index GET", "settings GET", "settings POST", "upload_participants GET",
    "upload_participants POST", "dashboard GET", "exports_page GET", "export_schedule GET",
    "export_transparency GET", "export_participants GET", "export_participants_import GET",
    "export_agendas POST", "matches GET", "decide_one POST",
    "decide_selection POST", "approve_above POST", "recompute POST", "add_pair GET",
    "add_pair POST", "block_pair GET", "block_pair POST", "unblock_pair POST", "audit_log GET",
    "schedule GET", "start_schedule POST", "publish POST", "job GET", "job_json GET", "grid GET",
    "retry_job POST",
    "participant_list GET", "new_participant GET", "new_participant POST",
    "edit_participant GET", "edit_participant POST", "remove_participant GET",
    "remove_participant POST", "participants_template GET", "search_participants GET",
    "people_agendas GET", "cancel_meeting POST", "move_meeting POST", "accounts GET",
    "invite_participants POST", "add_organiser POST", "set_account_active POST",
    "retry_invitations POST",
    "interpreters_page GET", "interpreters_page POST", "edit_interpreter GET",
    "edit_interpreter POST", "delete_interpreter POST",
    "live_board GET", "live_board_json GET", "staff_check_in POST",
    "scan_page GET", "scan_code POST", "check_in_link_post POST",
    "webhooks_page GET", "webhooks_page POST", "webhook_detail GET", "webhook_detail POST",
    "delete_webhook POST", "ping_webhook POST", "resend_webhook_delivery POST",
    "api_page GET", "api_page POST",
)  # fmt: skip
PARTICIPANT_OWN_ROUTES = (
    "index GET", "profile GET", "profile POST", "suggestions GET", "requests GET", "agenda GET",
    "directory_list GET",
    "agenda_print GET", "agenda_ics GET", "agenda_pdf GET",
    "notifications_page GET", "open_notification POST", "read_all_notifications POST",
)  # fmt: skip

#: (endpoint, method) -> Access. Every route of the app must be here, and nothing else.
ACCESS: dict[tuple[str, str], Access] = {
    ("main.home", "GET"): public(),
    ("main.health", "GET"): public(),
    ("main.ready", "GET"): public(),
    # The installable app: its manifest and service worker hold nothing personal.
    ("offline.manifest", "GET"): public(),
    ("offline.service_worker", "GET"): public(),
    ("main.set_language", "POST"): public("POST", **{role: frozenset({302}) for role in ROLES}),
    ("auth.login", "GET"): public(
        **{role: frozenset({302}) for role in ROLES if role != "anonymous"}
    ),
    # An empty login form is shown again with its errors; logged-in users go home.
    ("auth.login", "POST"): public(
        "POST", anonymous=frozenset({200}), **{r: frozenset({302}) for r in ROLES[1:]}
    ),
    ("auth.logout", "POST"): public("POST", **{role: frozenset({302}) for role in ROLES}),
    # Without a mail server the page says whom to ask; an empty form is shown again.
    ("auth.forgot_password", "GET"): public(),
    ("auth.forgot_password", "POST"): public("POST"),
    ("auth.accept_invitation", "GET"): public(**{role: frozenset({404}) for role in ROLES}),
    ("auth.accept_invitation", "POST"): public("POST", **{r: frozenset({404}) for r in ROLES}),
    ("auth.change_password", "GET"): logged_in(),
    ("auth.change_password", "POST"): logged_in("POST"),
    # The organisers' area: every page and action, whatever the object.
    **{
        (f"organiser.{name}", method): organiser_only(method)
        for name, method in map(str.split, ORGANISER_ROUTES)
    },
    # The world's job built no file: nothing to download, for an organiser either.
    ("organiser.job_file", "GET"): Access(
        organiser_only().expected | {"organiser": frozenset({404})}
    ),
    # The participants' area: their own data, no one else's id in the URL...
    **{
        (f"participant.{name}", method): participants(method)
        for name, method in map(str.split, PARTICIPANT_OWN_ROUTES)
    },
    # ...or objects of official A and partner A, which participants B must not reach.
    ("participant.meeting_outcome", "GET"): owners(),
    ("participant.meeting_outcome", "POST"): owners("POST"),
    # Check-in and standby offers: both people of the meeting or offer, nobody else.
    ("participant.check_in", "POST"): owners("POST"),
    # One's own check-in QR code for a meeting; staff open what it links to (the world's
    # token is not a signed code: "Código no válido", 400, for an organiser too).
    ("participant.check_in_code", "GET"): owners(),
    ("organiser.check_in_link", "GET"): Access(
        organiser_only().expected | {"organiser": frozenset({400})}
    ),
    ("participant.accept_standby", "POST"): owners("POST"),
    ("participant.decline_standby", "POST"): owners("POST"),
    # Cancelling or asking to move a meeting: its two sides. A move request is answered by
    # the side who did not ask (partner A), withdrawn by the one who did (official A).
    ("participant.cancel_own_meeting", "GET"): owners(),
    ("participant.cancel_own_meeting", "POST"): owners("POST"),
    ("participant.ask_to_move", "GET"): owners(),
    ("participant.ask_to_move", "POST"): owners("POST"),
    ("participant.accept_move", "POST"): owners("POST", roles=("partner",)),
    ("participant.decline_move", "POST"): owners("POST", roles=("partner",)),
    ("participant.withdraw_move", "POST"): owners("POST", roles=("official",)),
    # Only the recipient (partner A) answers; only the sender (official A) withdraws.
    ("participant.accept_request", "POST"): owners("POST", roles=("partner",)),
    ("participant.decline_request", "POST"): owners("POST", roles=("partner",)),
    ("participant.withdraw_request", "POST"): owners("POST", roles=("official",)),
    # Officials write to partners (here partner A), partners to officials: not to their own kind.
    ("participant.new_request", "GET"): owners(roles=("official", "other_official")),
    ("participant.new_request", "POST"): owners("POST", roles=("official", "other_official")),
    # The thread of official A with partner A (they have a request and a meeting): from the
    # official's side only, as the URL names partner A; B have no thread with partner A.
    ("participant.thread", "GET"): owners(roles=("official",)),
    ("participant.thread", "POST"): owners("POST", roles=("official",)),
    ("participant.report_thread", "POST"): owners("POST", roles=("official",)),
    # Organisers list reported threads; the world's thread was not reported: 404 for them too.
    ("organiser.reported_threads", "GET"): organiser_only(),
    ("organiser.reported_thread", "GET"): Access(
        organiser_only().expected | {"organiser": frozenset({404})}
    ),
    # The directory's profiles and marks: the other side of the event only (here partner A).
    ("participant.person", "GET"): owners(roles=("official", "other_official")),
    ("participant.mark_person", "POST"): owners("POST", roles=("official", "other_official")),
    # API tokens: the world has none, so revoking one is a 404 for an organiser too
    # (tests/web/test_organiser_api.py revokes real ones).
    **{
        ("organiser.revoke_api_token", method): Access(
            organiser_only(method).expected | {"organiser": frozenset({404})},
            args={"token_id": lambda w: 1},
        )
        for method in ("GET", "POST")
    },
    # The API's documentation page is public, like the spec it is written from.
    ("api_docs.docs", "GET"): public(),
    ("api-docs.openapi_json", "GET"): public(),
}


# --------------------------------------------------------------------------- the routes


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of every route but static files, from a throw-away app.
    Routes that need an API token are left to tests/api/test_authorization.py (a session
    never opens them); the API's public spec and documentation stay here."""
    with tempfile.TemporaryDirectory() as instance:
        app = make_app("sqlite://", instance)
        rules: list[Rule] = list(app.url_map.iter_rules())
    api = {blueprint.name for blueprint in api_core.BLUEPRINTS}
    return sorted(
        (rule.endpoint, method, rule.rule)
        for rule in rules
        if rule.endpoint != "static" and rule.endpoint.split(".")[0] not in api
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    )


ROUTES = _routes()


def test_every_route_has_an_expectation_and_every_expectation_a_route() -> None:
    routes = {(endpoint, method) for endpoint, method, _ in ROUTES}
    missing = sorted(routes - ACCESS.keys())
    stale = sorted(ACCESS.keys() - routes)
    assert not missing, f"routes without an expectation in ACCESS: {missing}"
    assert not stale, f"expectations for routes that no longer exist: {stale}"


def test_areas_follow_their_prefix() -> None:
    """Whatever ACCESS says, /organiser/ is for organisers and /me/ for participants only."""
    for endpoint, method, rule in ROUTES:
        access = ACCESS.get((endpoint, method))
        if access is None:
            continue  # reported by the test above
        if rule.startswith("/organiser/"):
            assert access.expected["anonymous"] == TO_LOGIN, rule
            assert all(access.expected[r] == {403} for r in PARTICIPANTS), rule
        if rule.startswith("/me/"):
            assert access.expected["anonymous"] == TO_LOGIN, rule
            assert access.expected["organiser"] == {403}, rule


# --------------------------------------------------------------------------- the check


def _fingerprint(app: Flask) -> str:
    """A digest of every row of every table: refused requests must leave it unchanged."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(table.select().order_by(*table.primary_key.columns))
            digest.update(repr((table.name, sorted(map(repr, rows)))).encode())
        db.session.remove()
    return digest.hexdigest()


def _refused(status: frozenset[int] | str) -> bool:
    return status == TO_LOGIN or not (set(status) & {200, 302})


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The shared ``app`` fixture, with tasks sent to an in-memory broker: who may enqueue is
    what is tested here, and no worker needs to run them."""
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings("memory://"))
    yield app
    clear_database(app)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


#: What each role got, by backend and route: written out as a table after the module.
OBSERVED: dict[str, dict[tuple[str, str], dict[str, str]]] = {}


@pytest.fixture(scope="module", autouse=True)
def coverage_table() -> Iterator[None]:
    """test-artifacts/authorization-<backend>.md: the statuses each role got from each route."""
    yield
    for backend, routes in OBSERVED.items():
        columns = (*ROLES, DEACTIVATED)
        lines = [f"| route | {' | '.join(columns)} |", f"|---|{'---|' * len(columns)}"]
        for (method, rule), got in sorted(routes.items(), key=lambda item: item[0][::-1]):
            cells = " | ".join(got.get(role, "") for role in columns)
            lines.append(f"| {method} {rule} | {cells} |")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"authorization-{backend}.md").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("endpoint", "method", "rule"), ROUTES, ids=[f"{m} {r}" for _, m, r in ROUTES]
)
def test_route_authorization(
    app: Flask, world: World, backend: str, endpoint: str, method: str, rule: str
) -> None:
    access = ACCESS.get((endpoint, method))
    assert access is not None, f"no expectation for {method} {rule} ({endpoint}): add it to ACCESS"
    values = {}
    for name in next(app.url_map.iter_rules(endpoint)).arguments:
        fill = access.args.get(name) or ARGUMENTS.get(name)
        assert fill is not None, f"no value for <{name}> in {rule}: add it to ARGUMENTS"
        values[name] = fill(world)
    with app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **values)
    expectations = dict(access.expected)
    expectations[DEACTIVATED] = access.expected["anonymous"]
    # Refused roles first (they must change nothing), then the roles that may act.
    roles = sorted(expectations, key=lambda role: not _refused(expectations[role]))
    before = _fingerprint(app)
    failures = []
    observed = OBSERVED.setdefault(backend, {}).setdefault((method, rule), {})
    for role in roles:
        client = as_user(app.test_client(), world.users.get(role))
        data = dict(access.data)
        if method == "POST":
            data["csrf_token"] = any_csrf_token(client, role in ("anonymous", DEACTIVATED))
        response = client.open(url, method=method, data=data)
        expected = expectations[role]
        location = response.headers.get("Location", "")
        observed[role] = (
            f"{response.status_code}{' login' if location.startswith('/login') else ''}"
        )
        if expected == TO_LOGIN:
            if response.status_code != 302 or not location.startswith("/login"):
                failures.append(f"{role}: expected 302 to /login, got {response.status_code} "
                                f"{location}")  # fmt: skip
        elif response.status_code not in expected:
            failures.append(f"{role}: expected {sorted(expected)}, got {response.status_code}")
        if _refused(expected) and _fingerprint(app) != before:
            failures.append(f"{role}: a refused request changed the database")
            before = _fingerprint(app)
    assert not failures, f"{method} {url}:\n  " + "\n  ".join(failures)
