"""schemathesis against the live app: every operation of the API's own spec, every check.

The spec is read from the app at collection time, so each operation the resource modules add is
fuzzed without touching this file. Each operation then runs against the real app (WSGI, the
real database and services, tasks sent to an in-memory broker) holding the fuzz world: path ids
are real rows part of the time, of the caller's event and of another one, so "found", "not
yours" and "not found" all happen. The world is built afresh for each operation: mutating calls
may change it, and the next operation starts clean.

Who calls: an organiser's token on both databases, with every phase (the schema's examples,
the coverage phase's boundary values, then fuzzing); a participant's token (an official's on
SQLite, a partner's on PostgreSQL), with the coverage phase kept to their own /me routes (on
the organisers' routes they are refused before anything is read; fuzzing checks that). Then
short sequences of calls along the links schemathesis infers, for the stateful checks.

Every check schemathesis has is on (``max_response_time`` needs a limit and is left off: a
timing check would make CI flaky). Three expectations are relaxed, each for a reason:

- ``positive_data_acceptance``: a request the schema allows may still be refused by the data
  (a cursor that was never issued, ids of another event, a stale ETag): 412, 422 and 428
  are answers to valid-looking requests, like the 404 and 409 schemathesis already expects.
- query parameters the API does not know are ignored, as HTTP APIs do (the app reads
  ``?lang=`` on every call): no extra ones are sent as "invalid" to the calls that take a
  query (GET, DELETE). Unknown fields in a body stay refused (422) and are fuzzed.
- ``missing_required_header``: a missing ``If-Match`` is 428 Precondition Required (RFC 6585),
  and 404 when the row is gone (an earlier case deleted it): a conditional header is not
  looked at when the answer would not be a success anyway (RFC 9110, 13.2.1).
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import marshmallow as ma
import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.config import SchemathesisConfig

from matchmaker.api.schemas import StrictSchema
from matchmaker.config import celery_settings
from matchmaker.ids import MAX_ID
from tests.api.fuzz_world import build_fuzz_world, real_ids
from tests.conftest import clear_database, make_app

SPEC = "/api/v1/openapi.json"
#: What a fuzzed webhook host "resolves" to: a public address, never contacted (tasks go to an
#: in-memory broker), so no lookup of a made-up name leaves the machine.
PUBLIC_ADDRESS = "93.184.215.14"


def _config(*, participant: bool) -> dict[str, Any]:
    config: dict[str, Any] = {
        "seed": 20270310,
        "suppress-health-check": ["all"],
        # Bounded and reproducible: 15 generated cases per operation and mode, no example
        # database carried between runs.
        "generation": {"max-examples": 15, "deterministic": True, "database": "none"},
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {"expected-statuses": [
                "2xx", "3xx", "401", "403", "404", "409", "412", "422", "428", "429"]},
            "missing_required_header": {"expected-statuses": [
                "400", "401", "403", "404", "406", "415", "422", "428"]},
        },
    }  # fmt: skip
    config["operations"] = [
        {"include-method": ["GET", "DELETE"], "generation": {"allow-extra-parameters": False}}
    ]
    if participant:
        config["operations"].append(
            {"include-path-regex": "^/api/v1/events", "phases": {"coverage": {"enabled": False}}}
        )
    return config


def _load(*, participant: bool) -> schemathesis.BaseSchema:
    """The spec of a throw-away app (the routes do not depend on the database)."""
    with tempfile.TemporaryDirectory() as instance:
        spec_app = make_app("sqlite://", instance)
        config = SchemathesisConfig.from_dict(_config(participant=participant))
        return schemathesis.openapi.from_wsgi(SPEC, spec_app, config=config)


organiser_schema = _load(participant=False)
participant_schema = _load(participant=True)
#: Real ids by path parameter name, one set per event, of the world the running test built.
REAL_IDS: list[dict[str, list[int]]] = []


def _is_valid_id(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_ID


def _with_real_ids(params: dict[str, Any] | None) -> st.SearchStrategy[dict[str, Any] | None]:
    """Fuzzing: the generated path parameters, or half of the time the same with real ids of
    one event in place of the valid ones (an id the schema refuses stays: that case is about
    the refusal)."""
    names = [name for name, value in (params or {}).items() if _is_valid_id(value)]
    if params is None or not names or not REAL_IDS:
        return st.just(params)

    def from_event(ids: dict[str, list[int]]) -> st.SearchStrategy[dict[str, Any]]:
        real = {name: st.sampled_from(ids[name]) for name in names if name in ids}
        return st.fixed_dictionaries(real).map(lambda chosen: {**params, **chosen})

    return st.one_of(st.just(params), st.sampled_from(REAL_IDS).flatmap(from_event))


for _schema in (organiser_schema, participant_schema):
    _schema.hook("flatmap_path_parameters")(lambda _context, params: _with_real_ids(params))


def _call(case: schemathesis.Case, app: Flask, headers: dict[str, str]) -> None:
    """The coverage and examples phases vary the body, query and headers around one path whose
    ids are the schema's minimum, 0, and with an empty If-Match: no row has that id and an
    empty If-Match is a missing one (428). Real rows of the caller's event and ``If-Match: *``
    (any current version) instead make those variations reach the view and its service; the
    other boundary values stay as generated."""
    if case.meta is not None and case.meta.phase.name.value != "fuzzing" and REAL_IDS:
        for name, value in (case.path_parameters or {}).items():
            if value in (0, "0") and name in REAL_IDS[0]:
                real = REAL_IDS[0][name][0]
                case.path_parameters[name] = str(real) if isinstance(value, str) else real
        if case.headers is not None and case.headers.get("If-Match") == "":
            case.headers["If-Match"] = "*"
    case.call_and_validate(app=app, headers=headers)


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app as deployed, limits off; tasks go to an in-memory broker; host names of
    fuzzed webhook URLs resolve to a public address without a lookup."""
    monkeypatch.setattr(socket, "getaddrinfo", _public_address)
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings("memory://"),
                   RATELIMIT_ENABLED=False)  # fmt: skip
    yield app
    clear_database(app)


def _public_address(host: str, port: Any, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
    return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (PUBLIC_ADDRESS, port))]


def _authorization(app: Flask, owner: str) -> dict[str, str]:
    world = build_fuzz_world(app)
    REAL_IDS[:] = real_ids(world)
    return {"Authorization": f"Bearer {world.tokens[owner]}"}


@pytest.fixture
def organiser(app: Flask) -> dict[str, str]:
    return _authorization(app, "organiser")


@pytest.fixture
def participant(app: Flask, backend: str) -> dict[str, str]:
    """An official's token on SQLite, a partner's on PostgreSQL: both sides, both databases."""
    return _authorization(app, "official" if backend == "sqlite" else "partner")


#: Call sequences: bounded and reproducible too.
SEQUENCES = settings(max_examples=30, stateful_step_count=8, deadline=None, derandomize=True,
                     database=None, suppress_health_check=list(HealthCheck))  # fmt: skip


def _run_sequences(schema: schemathesis.BaseSchema, app: Flask, headers: dict[str, str]) -> None:
    """Sequences of calls along the links schemathesis infers from the spec (a list's ids into
    the calls on one row, a created row into its reads), with the checks that need them
    (``use_after_free``, ``ensure_resource_availability``) besides all the others."""

    class Live(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"app": app, "headers": headers}

        def validate_response(self, response: Any, case: schemathesis.Case,
                              additional_checks: Any = None, **kwargs: Any) -> None:  # fmt: skip
            # As in call_and_validate: the checks must know the token was given on purpose.
            case.validate_response(response, additional_checks=additional_checks,
                                   headers=headers, transport_kwargs=kwargs or None,
                                   recorder=self.recorder)  # fmt: skip

    run_state_machine_as_test(Live, settings=SEQUENCES)


@organiser_schema.parametrize()
def test_with_an_organisers_token(case: schemathesis.Case, app: Flask,
                                  organiser: dict[str, str]) -> None:  # fmt: skip
    _call(case, app, organiser)


@participant_schema.parametrize()
def test_with_a_participants_token(case: schemathesis.Case, app: Flask,
                                   participant: dict[str, str]) -> None:  # fmt: skip
    _call(case, app, participant)


def test_call_sequences_with_an_organisers_token(app: Flask, organiser: dict[str, str]) -> None:
    _run_sequences(organiser_schema, app, organiser)


def test_call_sequences_with_a_participants_token(app: Flask, participant: dict[str, str]) -> None:
    _run_sequences(participant_schema, app, participant)


# --------------------------------------------------------------------------- found, pinned


def test_a_required_body_must_be_there_and_be_json(app: Flask, participant: dict[str, str]) -> None:
    """webargs reads a missing body, or one of another type, as ``{}``: a PATCH without a
    body answered "nothing to change, 200" where the spec requires one."""
    client = app.test_client()
    etag = client.get("/api/v1/me", headers=participant).headers["ETag"]
    headers = {**participant, "If-Match": etag}
    missing = client.patch("/api/v1/me", headers=headers)
    assert missing.status_code == 422 and missing.mimetype == "application/problem+json"
    assert missing.json["errors"][0]["pointer"] == "#"
    text = client.patch("/api/v1/me", data="{}", headers={**headers, "Content-Type": "text/plain"})
    assert text.status_code == 415 and text.mimetype == "application/problem+json"
    assert client.patch("/api/v1/me", json={}, headers=headers).status_code == 200


def test_an_id_beyond_an_id_column_is_not_found_whatever_the_method(
    app: Flask, organiser: dict[str, str]
) -> None:
    """It was 405 "use GET" when the same path has a GET rule (werkzeug counts the method
    before the converter refuses the value)."""
    client = app.test_client()
    for path in ("/api/v1/events/2147483648/pairs", "/api/v1/events/99999999999/blocked-pairs"):
        response = client.post(path, json={}, headers=organiser)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert client.post("/api/v1/events/2147483647/pairs", json={},
                       headers=organiser).status_code == 404  # fmt: skip


def test_body_values_must_have_their_json_type() -> None:
    """marshmallow took 0 for false and "5" for 5 where the spec says boolean and integer;
    and a list body that was not a list made a 500 once a schema had a pre-load step."""

    class Body(StrictSchema):
        flag = ma.fields.Boolean()
        number = ma.fields.Integer()
        numbers = ma.fields.List(ma.fields.Integer())

    for wrong in ({"flag": 0}, {"flag": "true"}, {"number": "5"}, {"number": True},
                  {"numbers": [1, "2"]}):  # fmt: skip
        with pytest.raises(ma.ValidationError) as refused:
            Body().load(wrong)
        assert set(refused.value.messages) == set(wrong), wrong
    assert Body().load({"flag": False, "number": 5, "numbers": [1]}) == {
        "flag": False, "number": 5, "numbers": [1]}  # fmt: skip
    for not_a_list in (None, False, {"flag": True}):
        with pytest.raises(ma.ValidationError):
            Body(many=True).load(not_a_list)
    with pytest.raises(ma.ValidationError) as refused:
        Body(many=True).load([{"flag": True}, {"flag": 1}])
    assert refused.value.messages == {1: {"flag": ["Not a valid boolean."]}}
