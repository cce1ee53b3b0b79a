"""Any integer in a URL, a query string or a form answers below 500.

Every route with an integer in its path comes from ``app.url_map`` (as in
test_authorization), so a new one is covered without touching this file. Ids beyond what an
id column holds (32 bits on PostgreSQL) do not match the route at all (404); others, found or
not, are handled by the view. Query and form values (``?event=``, ``?page=``, ``?participant=``,
``ids=``) get huge numbers and non-ASCII digits (``"²".isdigit()`` is true, ``int("²")``
raises). API routes are asked with bearer tokens: beyond an id column's range they are a 404
problem too, whatever the method (another rule on the same path must not make it a 405).
"""

from __future__ import annotations

import re
import string
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, User
from matchmaker.services import api_tokens, audit
from tests.conftest import clear_database, make_app
from tests.web.authorization_world import ARGUMENTS, World, any_csrf_token, as_user, build_world

#: The largest id an INTEGER column holds on both backends (PostgreSQL's is 32 bits).
MAX_ID = 2**31 - 1
API_PREFIX = "/api/"
#: Who asks: an organiser and both sides of the world's request and meeting.
ROLES = ("organiser", "official", "partner")
EXAMPLES = settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _integer_routes() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(endpoint, method, rule, integer arguments) of every route with an integer in its path."""
    with tempfile.TemporaryDirectory() as instance:
        app = make_app("sqlite://", instance)
        rules = list(app.url_map.iter_rules())
    found = []
    for rule in rules:
        numbers = tuple(
            name
            for name, converter in rule._converters.items()
            if isinstance(converter, IntegerConverter)
        )
        if numbers:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.endpoint, method, rule.rule, numbers))
    return sorted(found)


INTEGER_ROUTES = _integer_routes()


def test_the_integer_routes_are_found() -> None:
    """The walk below is only as good as this list: the answering, outcome, request, job,
    decision, meeting, account and block routes are all in it."""
    endpoints = {endpoint for endpoint, *_ in INTEGER_ROUTES}
    assert {
        "participant.accept_request", "participant.decline_request",
        "participant.withdraw_request", "participant.meeting_outcome",
        "participant.new_request", "organiser.job", "organiser.job_json",
        "organiser.decide_one", "organiser.cancel_meeting", "organiser.move_meeting",
        "organiser.set_account_active", "organiser.unblock_pair", "events.get_event",
    } <= endpoints  # fmt: skip
    assert len(INTEGER_ROUTES) >= 14


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Tasks go to an in-memory broker: a small id may name a real meeting to move."""
    app = make_app(
        database_url,
        tmp_path / "instance",
        CELERY=celery_settings("memory://"),
        BASE_URL="http://matchmaker.test/",  # invitations need a public address
    )
    yield app
    clear_database(app)


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


@pytest.fixture
def tokens(app: Flask, world: World) -> dict[str, str]:
    """An API token per role: API routes are asked with one (a session opens none of them)."""
    with app.app_context():
        secrets = {role: api_tokens.create_token(db.session.get_one(User, world.users[role]),
                                                 "bad ids").secret
                   for role in ROLES}  # fmt: skip
        db.session.commit()
        db.session.remove()
    return secrets


@pytest.fixture
def clients(app: Flask, world: World) -> dict[str, tuple[FlaskClient, str]]:
    """A logged-in client per role and its CSRF token (valid for the whole session)."""
    logged_in = {}
    for role in ROLES:
        client = as_user(app.test_client(), world.users[role])
        logged_in[role] = (client, any_csrf_token(client, anonymous=False))
    return logged_in


def _url(rule: str, values: dict[str, object]) -> str:
    """The rule with its arguments written in (no url_for: it would refuse nothing here)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule)


@pytest.mark.parametrize(
    ("endpoint", "method", "rule", "numbers"),
    INTEGER_ROUTES,
    ids=[f"{method} {rule}" for _, method, rule, _ in INTEGER_ROUTES],
)
@EXAMPLES
@given(number=st.integers(min_value=0, max_value=10**40))
@example(number=0)
@example(number=MAX_ID)
@example(number=MAX_ID + 1)
@example(number=2**63 - 1)
@example(number=2**63)
@example(number=10**30)
def test_any_integer_in_a_path_answers_below_500(
    app: Flask,
    world: World,
    clients: dict[str, tuple[FlaskClient, str]],
    tokens: dict[str, str],
    endpoint: str,
    method: str,
    rule: str,
    numbers: tuple[str, ...],
    number: int,
) -> None:
    """API routes are asked with each role's token and a JSON body; their refusals are
    problems (application/problem+json)."""
    values = {name: number for name in numbers}
    for name in set(re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule)) - set(numbers):
        values[name] = ARGUMENTS[name](world)
    url = _url(rule, values)
    api = rule.startswith(API_PREFIX)
    for role, (client, token) in clients.items():
        if api:
            body = {} if method in ("POST", "PUT", "PATCH") else None
            response = client.open(url, method=method, json=body,
                                   headers={"Authorization": f"Bearer {tokens[role]}"})  # fmt: skip
        else:
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data)
        assert response.status_code < 500, f"{role}: {method} {url} -> {response.status_code}"
        if number > MAX_ID:
            assert response.status_code == 404, f"{role}: {method} {url}"
        if api and response.status_code >= 400:
            assert response.mimetype == "application/problem+json", f"{role}: {method} {url}"


#: Numbers as people and scripts write them: huge, zero, negative, non-ASCII digits.
NUMBER_TEXT = st.one_of(
    st.integers(min_value=0, max_value=10**40).map(str),
    st.integers(min_value=-(10**30), max_value=-1).map(str),
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=24),
    st.text(string.digits + "²³¹⁹٣०", min_size=1, max_size=30),
)
#: The same, never a possible id (so never one of the world's rows).
NOT_AN_ID = NUMBER_TEXT.filter(lambda v: not (v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID))
#: Organiser pages and the query parameters that carry ids or page numbers.
ORGANISER_QUERIES = [
    ("/organiser/", ("event",)),
    ("/organiser/matches", ("event",)),
    ("/organiser/matches", ("page",)),
    ("/organiser/audit", ("page",)),
    ("/organiser/audit", ("event",)),
    ("/organiser/schedule/people", ("participant",)),
    ("/organiser/matches/add", ("government", "partner")),
    ("/organiser/matches/block", ("government",)),
    ("/organiser/accounts", ("event",)),
]


@EXAMPLES
@given(value=NUMBER_TEXT)
@example(value="99999999999999999999")
@example(value=str(MAX_ID + 1))
@example(value=str(10**30))
@example(value="²")
@example(value="٣")
@example(value="1²")
@example(value="0")
@example(value="-1")
def test_numbers_in_query_strings_answer_below_500(
    clients: dict[str, tuple[FlaskClient, str]], value: str
) -> None:
    client, _token = clients["organiser"]
    for path, query in ORGANISER_QUERIES:
        params = dict.fromkeys(query, value)
        response = client.get(path, query_string=params)
        assert response.status_code < 500, f"{path}?{params} -> {response.status_code}"


@pytest.mark.parametrize("value", ["99999999999999999999", str(MAX_ID + 1), "²", "abc"])
def test_an_event_that_cannot_exist_is_an_unknown_event(
    clients: dict[str, tuple[FlaskClient, str]], value: str
) -> None:
    """``?event=`` naming no possible event is answered like one naming a deleted event."""
    client, _token = clients["organiser"]
    unknown = client.get("/organiser/matches", query_string={"event": "987654"})
    response = client.get("/organiser/matches", query_string={"event": value})
    assert unknown.status_code == response.status_code == 302
    assert response.headers["Location"] == unknown.headers["Location"]


def test_a_page_past_the_end_is_the_last_page(
    app: Flask,
    world: World,
    clients: dict[str, tuple[FlaskClient, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page beyond the last (even beyond what OFFSET takes) shows the last page."""
    import matchmaker.organiser.views_matches as views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    with app.app_context():
        for n in range(3):
            audit.record(f"test.entry-{n}", actor=None, event_id=world.event_id)
        db.session.commit()
        db.session.remove()
    client, _token = clients["organiser"]
    for page in (str(MAX_ID), str(MAX_ID + 1), str(10**30), "3"):
        response = client.get("/organiser/audit", query_string={"page": page})
        assert response.status_code == 200, page
        body = response.get_data(as_text=True)
        assert "3 / 3" in body and "test.entry-0" in body, page
    for page in ("²", "0", "-4", "x"):
        body = client.get("/organiser/audit", query_string={"page": page}).get_data(as_text=True)
        assert "1 / 3" in body and "test.entry-2" in body, page


def _statuses(app: Flask) -> dict[int, str]:
    with app.app_context():
        rows = db.session.execute(db.select(MatchSuggestion.id, MatchSuggestion.status)).all()
        db.session.remove()
    return dict(rows)


@EXAMPLES
@given(values=st.lists(NOT_AN_ID, min_size=1, max_size=5))
@example(values=["²"])
@example(values=[str(MAX_ID + 1), "99999999999999999999"])
def test_bad_ids_in_forms_change_nothing(
    app: Flask, clients: dict[str, tuple[FlaskClient, str]], values: list[str]
) -> None:
    """``ids=`` that cannot be ids select nothing: a warning, no 500, nothing changed."""
    client, token = clients["organiser"]
    before = _statuses(app)
    response = client.post(
        "/organiser/matches/decide",
        data={"csrf_token": token, "decision": "reject", "ids": values},
    )
    assert response.status_code == 302
    assert _statuses(app) == before
    response = client.post(
        "/organiser/accounts/invite",
        data={"csrf_token": token, "scope": "selected", "ids": values},
    )
    assert response.status_code == 302
    assert _statuses(app) == before


def test_an_unparsable_selection_is_reported(clients: dict[str, tuple[FlaskClient, str]]) -> None:
    client, token = clients["organiser"]
    response = client.post(
        "/organiser/matches/decide",
        data={"csrf_token": token, "decision": "approve", "ids": ["²", str(10**30)]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "No has seleccionado ninguna sugerencia." in response.get_data(as_text=True)
