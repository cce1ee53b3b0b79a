"""Participants through the API (organisers' tokens): pages and filters, one participant with
its ETag, add, change, remove and import, each checked and logged as the web app does."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Meeting, Participant, User
from tests.api.api_world import ApiWorld, account, call
from tests.web.task_recorder import Tasks

PROBLEM = "application/problem+json"


def base(world: ApiWorld) -> str:
    return f"/api/v1/events/{world.event_id}/participants"


def person(n: int, **changes: Any) -> dict[str, Any]:
    """A valid participant, numbered so that ids and emails differ."""
    values: dict[str, Any] = {
        "external_id": f"api-{n:03d}", "kind": "partner", "name": f"Ana Núñez {n}",
        "organisation": "Aguas Claras", "organisation_type": "company", "role_title": "CEO",
        "email": f"ana{n}@example.org", "country": "MX", "city": "Puebla",
        "languages": ["es", "en"], "themes": ["public-services"],
        "description": "Agua potable para ciudades medianas.", "unavailable": [1, 2],
        "max_meetings": 4,
    }  # fmt: skip
    return values | changes


def count(app: Flask, *where: Any) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(Participant).where(*where)
        return int(db.session.execute(query).scalar_one())


def actions(app: Flask) -> list[tuple[str, int | None]]:
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor_id)
                                  .order_by(AuditEntry.id))  # fmt: skip
        return [(action, actor) for action, actor in rows]


def organiser_id(app: Flask) -> int:
    with app.app_context():
        return account("org@example.org").id


def fingerprint(app: Flask) -> str:
    """The participants and the audit log, row by row: a refused call changes neither."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in (Participant.__table__, AuditEntry.__table__):
            rows = db.session.execute(table.select().order_by(*table.primary_key.columns))
            digest.update(repr(sorted(map(repr, rows))).encode())
        db.session.remove()
    return digest.hexdigest()


def pointers(answer: Any) -> list[str]:
    assert answer.status_code == 422 and answer.mimetype == PROBLEM, answer.get_data(as_text=True)
    return [item.get("pointer") or item.get("parameter") for item in answer.json["errors"]]


# --------------------------------------------------------------------------- reading


def test_the_list_comes_in_pages_filtered_in_the_database(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    seed = world.seed
    everyone = sorted(seed.governments + seed.partners)
    seen, cursor = [], None
    while True:
        page = call(
            client,
            "GET",
            base(world) + "?limit=2" + (f"&cursor={cursor}" if cursor else ""),
            world.organiser,
        ).json
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everyone  # the other event's participant is not among them

    def ids(query: str) -> list[int]:
        answer = call(client, "GET", f"{base(world)}?{query}", world.organiser)
        assert answer.status_code == 200, answer.json
        return [p["id"] for p in answer.json["items"]]

    assert ids("kind=partner") == seed.partners
    assert ids("theme=public-services") == [seed.governments[1], seed.partners[1]]
    assert ids("language=en") == seed.partners[:2]
    assert ids("language=pt&kind=government") == [seed.governments[1]]
    with app.app_context():
        db.session.execute(
            sa.update(Participant).values(updated_at=datetime(2026, 1, 1, 12, tzinfo=UTC))
        )
        db.session.execute(
            sa.update(Participant)
            .where(Participant.id == seed.partners[2])
            .values(updated_at=datetime(2026, 6, 1, 12, tzinfo=UTC))
        )
        db.session.commit()  # fmt: skip
    assert ids("updated_since=2026-06-01T06:00:00-06:00") == [seed.partners[2]]
    assert ids("updated_since=2026-06-01T12:00:00.000001Z") == []
    assert len(ids("updated_since=2025-12-31T00:00:00Z")) == 5
    assert pointers(call(client, "GET", base(world) + "?updated_since=2026-06-01T06:00:00",
                         world.organiser)) == ["updated_since"]  # fmt: skip
    assert pointers(call(client, "GET", base(world) + "?kind=official",
                         world.organiser)) == ["kind"]  # fmt: skip


def test_a_participant_has_its_fields_and_an_etag(client: FlaskClient, world: ApiWorld) -> None:
    path = f"{base(world)}/{world.seed.partners[0]}"
    answer = call(client, "GET", path, world.organiser)
    assert answer.status_code == 200
    body = answer.json
    assert body["id"] == world.seed.partners[0] and body["kind"] == "partner"
    assert body["languages"] == ["es", "en"] and body["themes"] == ["urban-mobility"]
    assert body["external_id"].startswith("p-") and body["max_meetings"] is None
    assert body["updated_at"].endswith("+00:00")
    assert set(body) == {"id", "external_id", "kind", "name", "organisation",
                         "organisation_type", "role_title", "email", "country", "city",
                         "languages", "themes", "description", "unavailable", "max_meetings",
                         "updated_at"}  # fmt: skip
    again = call(client, "GET", path, world.organiser, **{"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_participants_tokens_are_refused_and_other_events_do_not_exist(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    own = f"{base(world)}/{world.seed.governments[0]}"
    before = fingerprint(app)
    for secret in (world.official, world.partner):
        for method, path, body in (("GET", base(world), None), ("GET", own, None),
                                   ("POST", base(world), person(1)),
                                   ("PATCH", own, {"name": "X"}), ("DELETE", own, None),
                                   ("POST", base(world) + "/import", [person(1)])):  # fmt: skip
            answer = call(client, method, path, secret, json=body, **{"If-Match": '"x"'})
            assert answer.status_code == 403 and answer.mimetype == PROBLEM, (method, path)
    stranger = f"{base(world)}/{world.other_participant_id}"
    for method in ("GET", "PATCH", "DELETE"):
        answer = call(client, method, stranger, world.organiser, json={"name": "X"})
        assert answer.status_code == 404, method
    missing = "/api/v1/events/999999/participants"
    assert call(client, "GET", missing, world.organiser).status_code == 404
    assert fingerprint(app) == before


# --------------------------------------------------------------------------- adding


def test_a_participant_is_added_with_its_address_and_logged(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    answer = call(client, "POST", base(world), world.organiser, json=person(1))
    assert answer.status_code == 201, answer.json
    created = answer.json
    assert created["external_id"] == "api-001" and created["unavailable"] == [1, 2]
    assert answer.headers["Location"] == f"{base(world)}/{created['id']}"
    assert call(client, "GET", answer.headers["Location"], world.organiser).json == created
    assert ("participant.created", organiser_id(app)) in actions(app)
    assert tasks["recompute_suggestions"].calls and tasks["recompute_event_stats"].calls


def test_an_added_participant_passes_the_import_checks(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    with app.app_context():
        taken = db.session.get_one(Participant, world.seed.partners[0])
        taken_id, taken_email = taken.external_id, taken.email
    before = fingerprint(app)
    refusals = {
        "#/external_id": person(1, external_id=taken_id),
        "#/email": person(1, email=taken_email.upper()),
        "#/organisation_type": person(1, organisation_type="municipality"),
        "#/unavailable": person(1, unavailable=[500]),  # the event has 12 slots
        "#/name": person(1, name="   "),
        "#/city": person(1, city="Puebla\nMX"),
        "#/organisation": person(1, organisation="Aguas \ud800"),  # no database stores it
    }
    for pointer, body in refusals.items():
        answer = call(client, "POST", base(world), world.organiser, json=body)
        assert pointers(answer) == [pointer], answer.json
        assert answer.json["errors"][0]["detail"]
    schema_refusals = {
        "#/kind": {k: v for k, v in person(1).items() if k != "kind"},
        "#/themes/0": person(1, themes=["flying-cars"]),
        "#/max_meetings": person(1, max_meetings="4"),
        "#/id": person(1, id=5),
    }
    for pointer, body in schema_refusals.items():
        assert pointers(call(client, "POST", base(world), world.organiser, json=body)) == [pointer]
    assert fingerprint(app) == before


def test_an_idempotency_key_adds_once(app: Flask, client: FlaskClient, world: ApiWorld) -> None:
    key = {"Idempotency-Key": "add-api-001"}
    first = call(client, "POST", base(world), world.organiser, json=person(1), **key)
    again = call(client, "POST", base(world), world.organiser, json=person(1), **key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json and again.headers["Location"] == first.headers["Location"]
    assert count(app, Participant.external_id == "api-001") == 1
    other = call(client, "POST", base(world), world.organiser, json=person(2), **key)
    assert other.status_code == 422 and other.json["errors"][0]["header"] == "Idempotency-Key"
    assert count(app, Participant.external_id == "api-002") == 0


def test_a_race_the_checks_could_not_see_is_a_conflict(
    app: Flask, client: FlaskClient, world: ApiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another call takes the id or email between the checks and the write: the database's
    unique constraints refuse it, and the call answers 409 having changed nothing."""
    from matchmaker.services import participant_admin, participants

    with app.app_context():
        taken = db.session.get_one(Participant, world.seed.partners[0])
        taken_id, taken_email = taken.external_id, taken.email
    monkeypatch.setattr(participant_admin, "_event_errors", lambda *args: [])
    monkeypatch.setattr(participants, "event_errors", lambda *args: [])
    before = fingerprint(app)
    added = call(client, "POST", base(world), world.organiser, json=person(1, external_id=taken_id))
    assert added.status_code == 409 and added.mimetype == PROBLEM
    imported = call(client, "POST", base(world) + "/import", world.organiser,
                    json=[person(1), person(2, email=taken_email)])  # fmt: skip
    assert imported.status_code == 409 and imported.mimetype == PROBLEM
    assert fingerprint(app) == before


# --------------------------------------------------------------------------- changing


def test_a_change_needs_the_current_etag(app: Flask, client: FlaskClient, world: ApiWorld) -> None:
    path = f"{base(world)}/{world.seed.governments[1]}"
    etag = call(client, "GET", path, world.organiser).headers["ETag"]
    change = {"name": "Marta Ruiz", "unavailable": [0], "max_meetings": None}
    assert call(client, "PATCH", path, world.organiser, json=change).status_code == 428
    stale = call(client, "PATCH", path, world.organiser, json=change, **{"If-Match": '"old"'})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert count(app, Participant.name == "Marta Ruiz") == 0
    answer = call(client, "PATCH", path, world.organiser, json=change, **{"If-Match": etag})
    assert answer.status_code == 200, answer.json
    assert answer.json["name"] == "Marta Ruiz" and answer.json["unavailable"] == [0]
    assert answer.json["themes"] == ["public-services"]  # what was not sent stays
    assert answer.headers["ETag"] != etag
    read = call(client, "GET", path, world.organiser)
    assert read.json == answer.json and read.headers["ETag"] == answer.headers["ETag"]
    # The first ETag is stale now: a second writer holding it is refused.
    late = call(client, "PATCH", path, world.organiser, json={"city": "León"},
                **{"If-Match": etag})  # fmt: skip
    assert late.status_code == 412
    with app.app_context():
        entry = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.action == "participant.updated")).scalar_one()  # fmt: skip
        assert entry.actor_id == account("org@example.org").id
        assert entry.details["fields"] == ["name", "unavailable"]


def test_a_change_passes_the_import_checks(app: Flask, client: FlaskClient, world: ApiWorld):
    path = f"{base(world)}/{world.seed.governments[1]}"
    with app.app_context():
        other_email = db.session.get_one(Participant, world.seed.partners[0]).email
    before = fingerprint(app)
    for pointer, change in (
        ("#/kind", {"kind": "partner", "organisation_type": "company"}),
        ("#/email", {"email": other_email}),
        ("#/languages", {"languages": []}),
        ("#/email", {"email": "nope"}),
        ("#/kind", {"kind": None}),
        ("#/updated_at", {"updated_at": "x"}),
    ):
        etag = call(client, "GET", path, world.organiser).headers["ETag"]
        answer = call(client, "PATCH", path, world.organiser, json=change, **{"If-Match": etag})
        assert pointers(answer) == [pointer], (change, answer.json)
    assert fingerprint(app) == before


# --------------------------------------------------------------------------- removing


def _publish(app: Flask, world: ApiWorld, government: int) -> None:
    with app.app_context():
        for n, partner in enumerate(world.seed.partners[:2]):
            db.session.add(Meeting(event_id=world.event_id, government_id=government,
                                   partner_id=partner, slot_index=n, table_number=0,
                                   status="published"))  # fmt: skip
        db.session.commit()


def _meetings(app: Flask, government: int, status: str) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(Meeting).where(
            Meeting.government_id == government, Meeting.status == status)  # fmt: skip
        return int(db.session.execute(query).scalar_one())


def test_a_removal_needs_the_etag_and_takes_the_account_and_meetings(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    target = world.seed.governments[0]
    _publish(app, world, target)
    path = f"{base(world)}/{target}"
    assert call(client, "DELETE", path, world.organiser).status_code == 428
    assert call(client, "DELETE", path, world.organiser, **{"If-Match": '"x"'}).status_code == 412
    etag = call(client, "GET", path, world.organiser).headers["ETag"]
    answer = call(client, "DELETE", path + "?reason=Ya%20no%20asiste", world.organiser,
                  **{"If-Match": etag})  # fmt: skip
    assert answer.status_code == 204 and not answer.data
    assert call(client, "GET", path, world.organiser).status_code == 404
    assert count(app, Participant.id == target) == 0
    with app.app_context():
        assert db.session.execute(sa.select(User).where(
            User.email == "official@example.org")).first() is None  # fmt: skip
        logged = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        cancelled = [e for e in logged if e.action == "meeting.cancelled"]
        assert len(cancelled) == 2 and cancelled[0].details["reason"] == "Ya no asiste"
        removed = [e for e in logged if e.action == "participant.removed"]
        assert removed[0].details["accounts"] == ["official@example.org"]
        assert removed[0].actor_id == account("org@example.org").id


def test_with_mail_the_meetings_are_cancelled_and_told_first(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    app.config["SMTP_URL"] = "smtp://mail.test:25"
    target = world.seed.governments[0]
    _publish(app, world, target)
    path = f"{base(world)}/{target}"
    etag = {"If-Match": call(client, "GET", path, world.organiser).headers["ETag"]}
    first = call(client, "DELETE", path, world.organiser, **etag)
    assert first.status_code == 202 and first.json["cancelled"] == 2
    assert _meetings(app, target, "cancelled") == 2 and count(app, Participant.id == target) == 1
    assert set(tasks["send_cancellation_notices"].committed) == {True}  # after the commit
    waiting = call(client, "DELETE", path, world.organiser, **etag)
    assert waiting.status_code == 409 and waiting.mimetype == PROBLEM
    assert count(app, Participant.id == target) == 1
    forced = call(client, "DELETE", path + "?force=true", world.organiser, **etag)
    assert forced.status_code == 204 and count(app, Participant.id == target) == 0


# --------------------------------------------------------------------------- importing


def _statements(app: Flask) -> list[str]:
    """Every SQL statement the app runs from now on (a list that grows)."""
    seen: list[str] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: seen.append(statement))  # fmt: skip
    return seen


def test_an_import_of_a_hundred_is_all_or_nothing_in_a_few_queries(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks, backend: str
) -> None:
    path = base(world) + "/import"
    items = [person(n, kind="government", organisation_type="state") if n % 2 else person(n)
             for n in range(100)]  # fmt: skip
    statements = _statements(app)
    answer = call(client, "POST", path, world.organiser, json=items)
    assert answer.status_code == 200, answer.json
    summary = answer.json
    assert (summary["created"], summary["officials"], summary["partners"]) == (100, 50, 50)
    assert [p["external_id"] for p in summary["participants"]] == [i["external_id"] for i in items]
    # A few queries, not one (or more) per item. Inserting the new rows is one statement on
    # PostgreSQL; SQLite gives no order to the ids an INSERT returns for many rows, so the
    # ORM inserts there one row at a time.
    inserts = [s for s in statements if s.startswith("INSERT INTO participant ")]
    assert len(statements) - len(inserts) < 15, statements
    assert len(inserts) == (1 if backend == "postgresql" else 100)
    assert count(app, Participant.external_id.like("api-%")) == 100
    with app.app_context():
        entry = db.session.execute(sa.select(AuditEntry).where(
            AuditEntry.action == "participants.imported")).scalar_one()  # fmt: skip
        assert entry.actor_id == account("org@example.org").id
        assert entry.details["created"] == {"government": 50, "partner": 50}
    assert tasks["recompute_suggestions"].calls and tasks["recompute_event_stats"].calls
    # Again, with one changed: the known ids are updated, not added.
    items[3] = items[3] | {"city": "León"}
    again = call(client, "POST", path, world.organiser, json=items).json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 99)
    assert [p["id"] for p in again["participants"]] == [p["id"] for p in summary["participants"]]


def test_one_bad_item_imports_nothing_and_is_pointed_at(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    path = base(world) + "/import"
    items = [person(n) for n in range(100)]
    before = fingerprint(app)
    items[57] = person(57, email="ana57@")
    assert pointers(call(client, "POST", path, world.organiser, json=items)) == ["#/57/email"]
    items[57] = person(57, email="ana3@example.org", external_id="api-003")
    answer = call(client, "POST", path, world.organiser, json=items)
    assert pointers(answer) == ["#/57/email", "#/57/external_id"]
    assert "3" in answer.json["errors"][0]["detail"]  # where it was first given
    items[57] = person(57, kind="government")  # a company is not a government body
    assert pointers(call(client, "POST", path, world.organiser, json=items)) == [
        "#/57/organisation_type"
    ]
    items[57] = person(57, email=7)
    assert pointers(call(client, "POST", path, world.organiser, json=items)) == ["#/57/email"]
    items[57] = person(57, unavailable=[12])  # the event's slots are 0 to 11
    assert pointers(call(client, "POST", path, world.organiser, json=items)) == ["#/57/unavailable"]
    assert pointers(call(client, "POST", path, world.organiser, json=[])) == ["#"]
    assert pointers(call(client, "POST", path, world.organiser, json={"a": 1})) == ["#/"]
    assert fingerprint(app) == before


def test_an_import_with_an_idempotency_key_imports_once(
    app: Flask, client: FlaskClient, world: ApiWorld
) -> None:
    path = base(world) + "/import"
    key = {"Idempotency-Key": "import-1"}
    first = call(client, "POST", path, world.organiser, json=[person(1), person(2)], **key)
    assert first.status_code == 200
    with app.app_context():
        db.session.execute(sa.delete(Participant).where(Participant.external_id == "api-002"))
        db.session.commit()
    again = call(client, "POST", path, world.organiser, json=[person(1), person(2)], **key)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert count(app, Participant.external_id == "api-002") == 0  # not imported again
    assert [a for a, _ in actions(app)].count("participants.imported") == 1


# --------------------------------------------------------------------------- anything at all

#: Strings a JSON body may hold, lone surrogates ("\ud800") and control characters too.
TEXT = st.text(max_size=30) | st.text(st.characters(categories=["Cs", "Cc", "Lu", "Nd", "Zs"]),
                                      max_size=8)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
#: A valid participant with one field given any JSON value (or dropped), or anything at all.
NEAR_MISS = st.builds(
    lambda n, name, value, drop: ({k: v for k, v in person(n).items() if k != name} if drop
                                  else person(n, **{name: value})),
    st.integers(0, 3), st.sampled_from([*sorted(person(0)), "id", "extra"]), JSON, st.booleans(),
)  # fmt: skip
BODIES = NEAR_MISS | JSON


@pytest.mark.parametrize("where", ["create", "import"])
@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(body=BODIES, bodies=st.lists(BODIES, min_size=1, max_size=3))
def test_no_body_breaks_a_call_and_a_refused_one_changes_nothing(
    app: Flask, world: ApiWorld, where: str, body: Any, bodies: list[Any]
) -> None:
    client = app.test_client()
    path, sent = (base(world), body) if where == "create" else (base(world) + "/import", bodies)
    before = fingerprint(app)
    answer = call(client, "POST", path, world.organiser, json=sent)
    assert answer.status_code in (200, 201, 409, 422), answer.get_data(as_text=True)
    if answer.status_code >= 400:
        assert answer.mimetype == PROBLEM and fingerprint(app) == before
