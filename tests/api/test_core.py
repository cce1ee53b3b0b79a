"""What every API call can rely on: tokens, problems, limits, idempotency, pages, ETags."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import ApiToken, Event, IdempotentCall
from matchmaker.services import api_tokens
from tests.api.api_world import ApiWorld, account, call
from tests.conftest import make_app

PROBLEM = "application/problem+json"


def test_a_call_without_a_valid_token_is_a_401_problem(client: FlaskClient, world: ApiWorld):
    for secret in (None, "mm_not-a-token", world.organiser + "x"):
        answer = call(client, "GET", "/api/v1/events", secret)
        assert answer.status_code == 401
        assert answer.mimetype == PROBLEM
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.json["status"] == 401 and answer.json["title"]


def test_a_session_cookie_does_not_authenticate_the_api(client: FlaskClient, world: ApiWorld):
    from tests.web.organiser_world import login_organiser

    login_organiser(client)
    assert call(client, "GET", "/api/v1/events", None).status_code == 401


def test_a_revoked_token_stops_working_at_once(app: Flask, client: FlaskClient, world: ApiWorld):
    assert call(client, "GET", "/api/v1/events", world.official).status_code == 200
    with app.app_context():
        token = db.session.execute(
            db.select(ApiToken).where(
                ApiToken.secret_hash == api_tokens.hash_secret(world.official)
            )
        ).scalar_one()
        api_tokens.revoke_token(token, actor=account("org@example.org"))
        db.session.commit()
    assert call(client, "GET", "/api/v1/events", world.official).status_code == 401


def test_the_secret_is_stored_only_as_a_hash_and_its_use_is_noted(app: Flask, world: ApiWorld):
    call(app.test_client(), "GET", "/api/v1/events", world.organiser)
    with app.app_context():
        tokens = db.session.execute(db.select(ApiToken)).scalars().all()
        assert all(world.organiser not in (t.secret_hash, t.prefix) for t in tokens)
        used = [t for t in tokens if t.secret_hash == api_tokens.hash_secret(world.organiser)]
        assert used[0].last_used_at is not None


def test_problems_speak_the_readers_language(client: FlaskClient, world: ApiWorld):
    titles = {
        lang: call(client, "GET", "/api/v1/events/999999", world.organiser,
                   **{"Accept-Language": lang}).json["title"]
        for lang in ("es", "en", "pt")
    }  # fmt: skip
    assert titles["es"] == "No existe o no está a tu alcance"
    assert len(set(titles.values())) == 3


def test_what_is_not_yours_does_not_exist(client: FlaskClient, world: ApiWorld):
    own = call(client, "GET", f"/api/v1/events/{world.event_id}", world.official)
    assert own.status_code == 200 and own.json["name"] == "Test Expo"
    other = call(client, "GET", f"/api/v1/events/{world.other_event_id}", world.official)
    assert other.status_code == 404 and other.mimetype == PROBLEM
    assert call(client, "GET", f"/api/v1/events/{world.other_event_id}",
                world.organiser).status_code == 200  # fmt: skip
    listed = call(client, "GET", "/api/v1/events", world.partner).json
    assert [e["id"] for e in listed["items"]] == [world.event_id]


def test_events_come_in_pages_by_cursor(app: Flask, client: FlaskClient, world: ApiWorld):
    with app.app_context():
        for n in range(3):
            db.session.add(Event(name=f"Evento {n}", days=["2032-03-10"]))
        db.session.commit()
    seen, cursor = [], None
    while True:
        path = "/api/v1/events?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = call(client, "GET", path, world.organiser).json
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen)
    bad = call(client, "GET", "/api/v1/events?cursor=nonsense", world.organiser)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["parameter"] == "cursor"
    too_many = call(client, "GET", "/api/v1/events?limit=100000", world.organiser)
    assert too_many.status_code == 422 and too_many.json["errors"][0]["parameter"] == "limit"


def test_an_event_has_an_etag_and_answers_304_when_unchanged(client: FlaskClient, world: ApiWorld):
    first = call(client, "GET", f"/api/v1/events/{world.event_id}", world.organiser)
    assert first.headers["ETag"]
    again = call(client, "GET", f"/api/v1/events/{world.event_id}", world.organiser,
                 **{"If-None-Match": first.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304


def test_each_token_has_its_own_limit_with_retry_after(
    database_url: str, tmp_path, world: ApiWorld
):
    limited = make_app(database_url, tmp_path / "limited", RATELIMIT_ENABLED=True,
                       RATELIMIT_STORAGE_URI="memory://", API_LIMIT_PER_TOKEN="3 per minute")  # fmt: skip
    client = limited.test_client()
    try:
        answers = [call(client, "GET", "/api/v1/events", world.official).status_code
                   for _ in range(4)]  # fmt: skip
        assert answers == [200, 200, 200, 429]
        held = call(client, "GET", "/api/v1/events", world.official)
        assert held.mimetype == PROBLEM and int(held.headers["Retry-After"]) > 0
        assert call(client, "GET", "/api/v1/events", world.partner).status_code == 200
    finally:
        with limited.app_context():  # its own engine: closed here, not by the collector
            db.session.remove()
            db.engine.dispose()


def test_the_spec_documents_every_call_with_its_problems(client: FlaskClient):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert "default" not in responses, (method, path)
            assert {"401", "429"} <= set(responses), (method, path)


def test_two_calls_racing_with_one_idempotency_key_do_the_work_once(
    app: Flask, client: FlaskClient, world: ApiWorld, monkeypatch
):
    """The second call looked for the key before the first committed, so it does the work
    too; the key's unique constraint stops its commit, and it answers with the first's."""
    from matchmaker.api import idempotency
    from matchmaker.models import BlockedPair

    path = f"/api/v1/events/{world.event_id}/blocked-pairs"
    pair = {"government_id": world.seed.governments[0], "partner_id": world.seed.partners[0],
            "reason": "conflicto de interés"}  # fmt: skip
    first = call(client, "POST", path, world.organiser, json=pair, **{"Idempotency-Key": "k"})
    assert first.status_code == 201
    looked_up, lookups = idempotency._stored, []

    def not_yet_the_first_time(key: str):  # type: ignore[no-untyped-def]
        lookups.append(key)
        return None if len(lookups) == 1 else looked_up(key)

    monkeypatch.setattr(idempotency, "_stored", not_yet_the_first_time)
    second = call(client, "POST", path, world.organiser, json=pair, **{"Idempotency-Key": "k"})
    assert second.status_code == 201 and second.json == first.json
    assert second.headers["Idempotent-Replayed"] == "true" and len(lookups) == 2
    with app.app_context():
        assert len(db.session.execute(db.select(BlockedPair)).all()) == 1
        assert len(db.session.execute(db.select(IdempotentCall)).all()) == 1
