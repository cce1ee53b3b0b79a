"""Every API route × every kind of token: who gets in, who is refused, and how.

Exhaustive by construction: the routes come from ``app.url_map`` at collection time (every
rule of an API blueprint, i.e. every route that needs a token) and each must have an entry in
``ACCESS``; a new route without one fails here, and so does an entry whose route is gone. URL
arguments are filled by name from the fuzz world (``tests/api/fuzz_world.ARGUMENTS``), so a new
argument name fails too until it is known there.

The tokens: none, a revoked one (401 both), an organiser's, official A's and partner A's (the
world's event: they own its request and meeting), and a partner of another event ("stranger":
everything in the URLs is not theirs). Organiser-only routes are 403 for participants, the
``/me`` area is 403 for organisers, and what belongs to someone else is 404. A refused call
must change nothing in the database. Bodies are ``{}``: who may call is decided before a body
is read, so a refusal never depends on it (``core._authorise``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from matchmaker.api import core
from matchmaker.config import celery_settings
from tests.api.fuzz_world import ARGUMENTS, FuzzWorld, build_fuzz_world, fingerprint
from tests.conftest import REPO, clear_database, make_app

PREFIX = "/api/v1"
OWNERS = ("none", "revoked", "stranger", "official", "partner", "organiser")
PARTICIPANTS = ("official", "partner", "stranger")
#: Routes under /api/v1 that need no token: the spec and its documentation page.
PUBLIC_ENDPOINTS = ("api-docs.openapi_json", "api_docs.")
#: Answers that mean "let in": a read, or a change made or refused for what it asked (the body
#: we send is ``{}``, so 422; a precondition missing or stale; a conflict with the data).
READ = frozenset({200})
LET_IN = frozenset({200, 201, 202, 204, 409, 412, 422, 428})
NO_TOKEN = frozenset({401})
FORBIDDEN = frozenset({403})
NOT_FOUND = frozenset({404})
ARTIFACTS = REPO / "test-artifacts"


# --------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Access:
    """The statuses each token owner may get from one route."""

    expected: dict[str, frozenset[int]]


def _access(**owners: frozenset[int]) -> Access:
    return Access({"none": NO_TOKEN, "revoked": NO_TOKEN, **owners})


def everyone(ok: frozenset[int] = READ) -> Access:
    """Any valid token, each seeing what is theirs."""
    return _access(**dict.fromkeys(("organiser", *PARTICIPANTS), ok))


def event_readers(ok: frozenset[int] = READ) -> Access:
    """The world's event itself: its organisers and participants; not the other event's."""
    return _access(organiser=ok, official=ok, partner=ok, stranger=NOT_FOUND)


def organisers(ok: frozenset[int] = LET_IN) -> Access:
    return _access(organiser=ok, **dict.fromkeys(PARTICIPANTS, FORBIDDEN))


def participants(ok: frozenset[int] = LET_IN) -> Access:
    """One's own data in the /me area: any participant, never an organiser."""
    return _access(organiser=FORBIDDEN, **dict.fromkeys(PARTICIPANTS, ok))


def owners(*roles: str, ok: frozenset[int] = LET_IN) -> Access:
    """A /me route naming official A's and partner A's request: ``roles`` may act on it, the
    other participants are told it does not exist."""
    expected = dict.fromkeys(PARTICIPANTS, NOT_FOUND) | dict.fromkeys(roles, ok)
    return _access(organiser=FORBIDDEN, **expected)


EVENT = "/events/<int:event_id>"
PARTICIPANT = f"{EVENT}/participants/<int:participant_id>"
MEETING = f"{EVENT}/meetings/<int:meeting_id>"
WEBHOOK = f"{EVENT}/webhooks/<int:webhook_id>"
REQUEST = "/me/requests/<int:request_id>"
ORGANISER_ROUTES = (
    f"GET {EVENT}/participants", f"POST {EVENT}/participants", f"GET {PARTICIPANT}",
    f"PATCH {PARTICIPANT}", f"DELETE {PARTICIPANT}", f"POST {EVENT}/participants/import",
    f"GET {EVENT}/suggestions", f"GET {EVENT}/suggestions/<int:suggestion_id>",
    f"POST {EVENT}/decisions", f"POST {EVENT}/pairs", f"GET {EVENT}/blocked-pairs",
    f"POST {EVENT}/blocked-pairs", f"DELETE {EVENT}/blocked-pairs/<int:block_id>",
    f"GET {EVENT}/meetings", f"GET {MEETING}", f"POST {MEETING}/cancel",
    f"GET {MEETING}/free-slots", f"POST {MEETING}/move",
    f"POST {EVENT}/schedule-jobs", f"GET {EVENT}/schedule-jobs/<int:job_id>",
    f"POST {EVENT}/schedule/publish", f"GET {EVENT}/register",
    f"GET {EVENT}/webhooks", f"POST {EVENT}/webhooks", f"GET {WEBHOOK}", f"DELETE {WEBHOOK}",
    f"GET {WEBHOOK}/deliveries", f"POST {WEBHOOK}/deliveries/<int:delivery_id>/resend",
)  # fmt: skip
OWN_ROUTES = ("GET /me", "PATCH /me", "GET /me/suggestions", "GET /me/requests",
              "POST /me/requests", "GET /me/agenda")  # fmt: skip

#: "METHOD rule" (rule without /api/v1) -> Access. Every token-guarded route, nothing else.
ACCESS: dict[str, Access] = {
    "GET /events": everyone(),
    f"GET {EVENT}": event_readers(),
    **{route: organisers(READ if route.startswith("GET") else LET_IN)
       for route in ORGANISER_ROUTES},
    **{route: participants(READ if route.startswith("GET") else LET_IN)
       for route in OWN_ROUTES},
    # Official A asked partner A: both see it, only the recipient answers, only the requester
    # withdraws; to anyone else it does not exist.
    f"GET {REQUEST}": owners("official", "partner", ok=READ),
    f"POST {REQUEST}/accept": owners("partner"),
    f"POST {REQUEST}/decline": owners("partner"),
    f"POST {REQUEST}/withdraw": owners("official"),
}  # fmt: skip


# --------------------------------------------------------------------------- the routes


def _api_routes() -> tuple[list[tuple[str, str, str]], list[str]]:
    """(endpoint, method, rule) of every token-guarded route, and the other /api/v1 rules."""
    with tempfile.TemporaryDirectory() as instance:
        app = make_app("sqlite://", instance)
        rules = list(app.url_map.iter_rules())
    guarded = {blueprint.name for blueprint in core.BLUEPRINTS}
    routes, others = [], []
    for rule in rules:
        if rule.endpoint.split(".")[0] in guarded:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, rule.rule))
        elif rule.rule.startswith(PREFIX + "/"):
            others.append(rule.endpoint)
    return sorted(routes), sorted(others)


ROUTES, UNGUARDED = _api_routes()


def _key(method: str, rule: str) -> str:
    return f"{method} {rule.removeprefix(PREFIX)}"


def test_every_route_has_an_expectation_and_every_expectation_a_route() -> None:
    routes = {_key(method, rule) for _, method, rule in ROUTES}
    missing = sorted(routes - ACCESS.keys())
    stale = sorted(ACCESS.keys() - routes)
    assert not missing, f"API routes without an expectation in ACCESS: {missing}"
    assert not stale, f"expectations for API routes that no longer exist: {stale}"


def test_every_api_address_needs_a_token_but_the_spec_and_its_docs() -> None:
    assert len(ROUTES) > 2
    assert all(endpoint.startswith(PUBLIC_ENDPOINTS) for endpoint in UNGUARDED), UNGUARDED


def test_areas_follow_their_prefix() -> None:
    """Whatever ACCESS says: /me is for participants, what lies below an event for organisers,
    and no token (or a revoked one) is 401 everywhere."""
    for _, method, rule in ROUTES:
        access = ACCESS.get(_key(method, rule))
        if access is None:
            continue  # reported above
        expected = access.expected
        assert expected["none"] == expected["revoked"] == NO_TOKEN, rule
        if rule.startswith(f"{PREFIX}/me"):
            assert expected["organiser"] == FORBIDDEN, rule
        if rule.startswith(f"{PREFIX}{EVENT}/"):
            assert all(expected[owner] == FORBIDDEN for owner in PARTICIPANTS), rule


# --------------------------------------------------------------------------- the check


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Tasks go to an in-memory broker: who may start a job is tested, no worker runs it."""
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings("memory://"))
    yield app
    clear_database(app)


@pytest.fixture
def world(app: Flask) -> FuzzWorld:
    return build_fuzz_world(app)


#: What each owner got, by backend and route: written out as a table after the module.
OBSERVED: dict[str, dict[str, dict[str, str]]] = {}


@pytest.fixture(scope="module", autouse=True)
def coverage_table() -> Iterator[None]:
    """test-artifacts/api-authorization-<backend>.md: the statuses each owner got."""
    yield
    for backend, routes in OBSERVED.items():
        lines = [f"| route | {' | '.join(OWNERS)} |", f"|---|{'---|' * len(OWNERS)}"]
        for route, got in sorted(routes.items(), key=lambda item: item[0].split()[::-1]):
            lines.append(f"| {route} | {' | '.join(got.get(o, '') for o in OWNERS)} |")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"api-authorization-{backend}.md").write_text("\n".join(lines) + "\n")


def _url(app: Flask, endpoint: str, values: dict[str, int]) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def _arguments(app: Flask, endpoint: str, world: FuzzWorld) -> dict[str, int]:
    values = {}
    for name in next(app.url_map.iter_rules(endpoint)).arguments:
        fill = ARGUMENTS.get(name)
        assert fill is not None, f"no value for <{name}>: add it to fuzz_world.ARGUMENTS"
        values[name] = fill(world)
    return values


def _try(app: Flask, world: FuzzWorld, method: str, url: str,
         expected: dict[str, frozenset[int]], observed: dict[str, str]) -> list[str]:  # fmt: skip
    """Each owner in turn, the refused ones first: they must change nothing."""
    failures = []
    refused = [owner for owner, statuses in expected.items() if not statuses & (LET_IN - {422})]
    before = fingerprint(app)
    for owner in sorted(expected, key=lambda o: (o not in refused, OWNERS.index(o))):
        secret = world.tokens.get(owner)
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        body = {} if method in ("POST", "PATCH", "PUT") else None
        response = app.test_client().open(url, method=method, json=body, headers=headers)
        observed[owner] = str(response.status_code)
        if response.status_code not in expected[owner]:
            failures.append(f"{owner}: expected {sorted(expected[owner])}, "
                            f"got {response.status_code} {response.get_data(as_text=True)[:200]}")  # fmt: skip
        elif response.status_code >= 400 and response.mimetype != "application/problem+json":
            failures.append(f"{owner}: {response.status_code} is not a problem")
        if owner in refused and fingerprint(app) != before:
            failures.append(f"{owner}: a refused call changed the database")
            before = fingerprint(app)
    return failures


@pytest.mark.parametrize(
    ("endpoint", "method", "rule"), ROUTES, ids=[f"{m} {r}" for _, m, r in ROUTES]
)
def test_route_authorization(
    app: Flask, world: FuzzWorld, backend: str, endpoint: str, method: str, rule: str
) -> None:
    access = ACCESS.get(_key(method, rule))
    assert access is not None, f"no expectation for {method} {rule}: add it to ACCESS"
    url = _url(app, endpoint, _arguments(app, endpoint, world))
    observed = OBSERVED.setdefault(backend, {}).setdefault(_key(method, rule), {})
    failures = _try(app, world, method, url, access.expected, observed)
    assert not failures, f"{method} {url}:\n  " + "\n  ".join(failures)


#: Routes naming a row besides the event: tried with the other event's rows.
OBJECT_ROUTES = [
    route for route in ROUTES if set(re.findall(r"<int:(\w+)>", route[2])) - {"event_id"}
]


@pytest.mark.parametrize(
    ("endpoint", "method", "rule"), OBJECT_ROUTES, ids=[f"{m} {r}" for _, m, r in OBJECT_ROUTES]
)
def test_a_row_of_another_event_is_not_found(
    app: Flask, world: FuzzWorld, endpoint: str, method: str, rule: str
) -> None:
    """The world's event in the URL (if any) with the other event's rows: 404 for the
    organiser too, and for the world's participants; a 403 stays a 403 (the role comes
    first). A view may read its body before the row: then the ``{}`` we send is refused
    first (422), as it would be for any row. Either way nothing changes. Not tried with the
    stranger's token: those rows are the stranger's own."""
    access = ACCESS.get(_key(method, rule))
    assert access is not None, f"no expectation for {method} {rule}: add it to ACCESS"
    values = _arguments(app, endpoint, world)
    for name in values.keys() - {"event_id"}:
        assert name in world.other, f"no row of the other event for <{name}>: add one"
        values[name] = world.other[name]
    refused = NOT_FOUND | {422} if method in ("POST", "PATCH", "PUT") else NOT_FOUND
    expected = {
        owner: FORBIDDEN if access.expected[owner] == FORBIDDEN else refused
        for owner in ("organiser", "official", "partner")
    }  # fmt: skip
    expected |= {"none": NO_TOKEN, "revoked": NO_TOKEN}
    failures = _try(app, world, method, _url(app, endpoint, values), expected, {})
    assert not failures, f"{method} {rule}:\n  " + "\n  ".join(failures)
