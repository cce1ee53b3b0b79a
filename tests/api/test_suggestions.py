"""Suggestions in the API: the organisers' list with typed reasons and filters, decisions (all
or none, in the audit log, booked late once published), blocks, pairs by hand; a
participant's own suggestions."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, BlockedPair, Event, InterestMark, MatchSuggestion
from matchmaker.services import scheduling
from tests.api.api_world import ApiWorld, account, call
from tests.factories import create_participant
from tests.web.task_recorder import Tasks

PROBLEM = "application/problem+json"

#: What the matching service stores for a computed pair (services.matching._computed).
COMPUTED = [
    {"code": "strength", "text": "strong match (fit 81.5)",
     "data": {"strength": "strong", "fit": 81.5}},
    {"code": "themes", "text": "shared themes: urban-mobility",
     "data": {"themes": ["urban-mobility"]}},
    {"code": "similar", "text": "similar need: «a» ~ «b»",
     "data": {"government_sentence": "Necesitamos semáforos inteligentes.",
              "partner_sentence": "Ofrecemos control adaptativo de semáforos.",
              "similarity": 0.812}},
    {"code": "interpreter", "text": "no common language, interpreter needed (pt vs en)",
     "data": {"government_languages": ["pt"], "partner_languages": ["en"]}},
    {"code": "mutual-interest", "text": "mutual interest", "data": {}},
]  # fmt: skip


def events(world: ApiWorld) -> str:
    return f"/api/v1/events/{world.event_id}"


def statuses(app: Flask) -> dict[int, str]:
    with app.app_context():
        rows = db.session.execute(db.select(MatchSuggestion.id, MatchSuggestion.status)).all()
        return dict(rows)  # type: ignore[arg-type]


def audit_log(app: Flask) -> list[tuple[str, int | None, int | None]]:
    """(action, target id, actor id) of every entry."""
    with app.app_context():
        query = db.select(AuditEntry.action, AuditEntry.target_id, AuditEntry.actor_id)
        return [tuple(row) for row in db.session.execute(query.order_by(AuditEntry.id))]


def organiser_id(app: Flask) -> int:
    with app.app_context():
        return account("org@example.org").id


def update_suggestion(app: Flask, suggestion_id: int, **values: Any) -> None:
    with app.app_context():
        suggestion = db.session.get_one(MatchSuggestion, suggestion_id)
        for name, value in values.items():
            setattr(suggestion, name, value)
        db.session.commit()


# The organisers' list ----------------------------------------------------------------------


def test_suggestions_come_in_pages_with_both_sides(client: FlaskClient, world: ApiWorld):
    first = call(client, "GET", f"{events(world)}/suggestions?limit=4", world.organiser)
    assert first.status_code == 200
    assert [s["id"] for s in first.json["items"]] == world.seed.suggestions[:4]
    cursor = first.json["next_cursor"]
    rest = call(client, "GET", f"{events(world)}/suggestions?limit=4&cursor={cursor}",
                world.organiser).json  # fmt: skip
    assert [s["id"] for s in rest["items"]] == world.seed.suggestions[4:]
    assert rest["next_cursor"] is None
    item = first.json["items"][0]
    assert item["government"] == {"id": world.seed.governments[0], "kind": "government",
                                  "name": item["government"]["name"],
                                  "organisation": item["government"]["organisation"]}  # fmt: skip
    assert item["partner"]["id"] == world.seed.partners[0]
    assert item["partner"]["kind"] == "partner"
    assert (item["score"], item["status"], item["source"]) == (90.0, "suggested", "model")
    assert item["blocked"] is False and item["must_meet_by"] == [] and item["decided_at"] is None


def test_stored_reasons_are_typed_data(app: Flask, client: FlaskClient, world: ApiWorld):
    sid = world.seed.suggestions[4]  # the second official (pt) and the second partner (en)
    update_suggestion(app, sid, reasons=COMPUTED, rank_for_government=2)
    got = call(client, "GET", f"{events(world)}/suggestions/{sid}", world.organiser).json
    assert (got["strength"], got["fit"], got["rank_for_government"]) == ("strong", 81.5, 2)
    assert got["reasons"] == {
        "themes": ["urban-mobility"],
        "similar": {"government_sentence": "Necesitamos semáforos inteligentes.",
                    "partner_sentence": "Ofrecemos control adaptativo de semáforos.",
                    "similarity": 0.812},
        "languages": {"common": [], "interpreter_needed": True,
                      "government": ["pt"], "partner": ["en"]},
        "interest": "mutual", "manual": False, "from_profiles": False,
    }  # fmt: skip
    # A common language, no similar sentences, interest from one side.
    update_suggestion(app, sid, reasons=[
        {"code": "language", "text": "common language: es", "data": {"languages": ["es"]}},
        {"code": "interest", "text": "interest expressed", "data": {}},
    ])  # fmt: skip
    reasons = call(client, "GET", f"{events(world)}/suggestions/{sid}",
                   world.organiser).json["reasons"]  # fmt: skip
    assert reasons["themes"] == [] and reasons["similar"] is None
    assert reasons["languages"]["common"] == ["es"]
    assert reasons["languages"]["interpreter_needed"] is False
    assert reasons["interest"] == "one-sided" and reasons["from_profiles"] is False


def test_a_pair_without_computed_reasons_reads_the_profiles(
    app: Flask, client: FlaskClient, world: ApiWorld
):
    sid = world.seed.suggestions[1]  # official speaks es; partner en: an interpreter is needed
    update_suggestion(app, sid, reasons=[])
    got = call(client, "GET", f"{events(world)}/suggestions/{sid}", world.organiser).json
    assert got["strength"] is None and got["fit"] is None
    assert got["reasons"]["themes"] == []  # urban-mobility vs public-services
    assert got["reasons"]["languages"] == {"common": [], "interpreter_needed": True,
                                           "government": ["es"], "partner": ["en"]}  # fmt: skip
    assert got["reasons"]["from_profiles"] is True


def test_filters_narrow_the_list(app: Flask, client: FlaskClient, world: ApiWorld):
    seed = world.seed
    update_suggestion(app, seed.suggestions[2], status="approved")
    update_suggestion(app, seed.suggestions[3], status="rejected")
    with app.app_context():  # the official marks the second partner must-meet
        db.session.add(InterestMark(event_id=world.event_id, participant_id=seed.governments[0],
                                    other_id=seed.partners[1], mark="must-meet"))  # fmt: skip
        db.session.commit()

    def ids(query: str) -> list[int]:
        answer = call(client, "GET", f"{events(world)}/suggestions?{query}", world.organiser)
        assert answer.status_code == 200, answer.json
        return [s["id"] for s in answer.json["items"]]

    assert ids("status=approved") == [seed.suggestions[2]]
    assert ids("status=rejected") == [seed.suggestions[3]]
    assert ids("min_score=70") == seed.suggestions[:3]
    assert ids(f"participant_id={seed.partners[0]}") == [seed.suggestions[0], seed.suggestions[3]]
    assert ids(f"participant_id={seed.governments[1]}&min_score=45") == seed.suggestions[3:5]
    assert ids("must_meet=true") == [seed.suggestions[1]]
    assert seed.suggestions[1] not in ids("must_meet=false") and len(ids("must_meet=false")) == 5
    marked = call(client, "GET", f"{events(world)}/suggestions/{seed.suggestions[1]}",
                  world.organiser).json  # fmt: skip
    assert marked["must_meet_by"] == [seed.governments[0]]
    for bad, parameter in [("status=blocked", "status"), ("min_score=x", "min_score"),
                           ("must_meet=perhaps", "must_meet"), ("participant_id=0", "participant_id"),
                           ("min_score=nan", "min_score")]:  # fmt: skip
        answer = call(client, "GET", f"{events(world)}/suggestions?{bad}", world.organiser)
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, bad
        assert answer.json["errors"][0]["parameter"] == parameter, bad


def test_a_suggestion_of_another_event_does_not_exist_there(app: Flask, client: FlaskClient,
                                                            world: ApiWorld):  # fmt: skip
    other = f"/api/v1/events/{world.other_event_id}/suggestions/{world.seed.suggestions[0]}"
    assert call(client, "GET", other, world.organiser).status_code == 404
    assert call(client, "GET", "/api/v1/events/987654/suggestions", world.organiser).status_code \
        == 404  # fmt: skip
    missing = call(client, "GET", f"{events(world)}/suggestions/987654", world.organiser)
    assert missing.status_code == 404 and missing.mimetype == PROBLEM


# Decisions ---------------------------------------------------------------------------------


def test_decisions_change_statuses_and_are_logged(app: Flask, client: FlaskClient,
                                                  world: ApiWorld):  # fmt: skip
    ids = world.seed.suggestions
    answer = call(client, "POST", f"{events(world)}/decisions", world.organiser,
                  json={"decision": "approve", "suggestion_ids": [ids[0], ids[1], ids[0]]})  # fmt: skip
    assert answer.status_code == 200
    assert answer.json == {"decision": "approve", "decided": 2, "skipped_blocked": 0}
    rejected = call(client, "POST", f"{events(world)}/decisions", world.organiser,
                    json={"decision": "reject", "suggestion_ids": [ids[1], ids[2]]})  # fmt: skip
    assert rejected.json["decided"] == 2
    now = statuses(app)
    assert [now[i] for i in ids[:4]] == ["approved", "rejected", "rejected", "suggested"]
    actor = organiser_id(app)
    assert audit_log(app)[-4:] == [("suggestion.approved", ids[0], actor),
                                   ("suggestion.approved", ids[1], actor),
                                   ("suggestion.rejected", ids[1], actor),
                                   ("suggestion.rejected", ids[2], actor)]  # fmt: skip
    reopened = call(client, "POST", f"{events(world)}/decisions", world.organiser,
                    json={"decision": "reopen", "suggestion_ids": [ids[1]]})  # fmt: skip
    assert reopened.json["decided"] == 1 and statuses(app)[ids[1]] == "suggested"
    shown = call(client, "GET", f"{events(world)}/suggestions/{ids[0]}", world.organiser).json
    assert shown["status"] == "approved" and shown["decided_at"].endswith("+00:00")


def test_an_id_outside_the_event_decides_nothing(app: Flask, client: FlaskClient,
                                                 world: ApiWorld):  # fmt: skip
    with app.app_context():
        other = db.session.get_one(Event, world.other_event_id)
        foreign = MatchSuggestion(event_id=other.id,
                                  government_id=create_participant(other, "government").id,
                                  partner_id=world.other_participant_id)  # fmt: skip
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    before, log = statuses(app), audit_log(app)
    ids = world.seed.suggestions
    answer = call(client, "POST", f"{events(world)}/decisions", world.organiser,
                  json={"decision": "approve",
                        "suggestion_ids": [ids[0], foreign_id, ids[1], 987654]})  # fmt: skip
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    assert [e["pointer"] for e in answer.json["errors"]] == ["#/suggestion_ids/1",
                                                             "#/suggestion_ids/3"]  # fmt: skip
    assert statuses(app) == before and audit_log(app) == log
    for body, pointer in [
        ({"decision": "approve", "suggestion_ids": []}, "#/suggestion_ids"),
        ({"decision": "approve", "suggestion_ids": list(range(1, 5002))}, "#/suggestion_ids"),
        ({"decision": "maybe", "suggestion_ids": [ids[0]]}, "#/decision"),
        ({"decision": "approve", "suggestion_ids": [ids[0], "2"]}, "#/suggestion_ids/1"),
        ({"decision": "approve", "suggestion_ids": [ids[0]], "note": "x"}, "#/note"),
    ]:
        refused = call(client, "POST", f"{events(world)}/decisions", world.organiser, json=body)
        assert refused.status_code == 422, body
        assert refused.json["errors"][0]["pointer"] == pointer, body
    assert statuses(app) == before and audit_log(app) == log


def test_an_approval_after_publication_is_booked_after_the_commit(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
):
    ids = world.seed.suggestions
    with app.app_context():
        for suggestion_id in ids[:2]:
            db.session.get_one(MatchSuggestion, suggestion_id).status = "approved"
        event = db.session.get_one(Event, world.event_id)
        scheduling.draft_schedule(event)
        assert scheduling.publish_schedule(event)
        db.session.commit()
    answer = call(client, "POST", f"{events(world)}/decisions", world.organiser,
                  json={"decision": "approve", "suggestion_ids": [ids[5]]})  # fmt: skip
    assert answer.status_code == 200
    pair = (world.event_id, world.seed.governments[1], world.seed.partners[2])
    assert tasks["book_approved_pair"].calls == [pair]
    assert tasks["book_approved_pair"].committed == [True]


# Blocks and pairs by hand ------------------------------------------------------------------


def test_block_list_and_unblock(app: Flask, client: FlaskClient, world: ApiWorld):
    seed, actor = world.seed, organiser_id(app)
    body = {"government_id": seed.governments[0], "partner_id": seed.partners[1],
            "reason": "Conflicto de interés"}  # fmt: skip
    made = call(client, "POST", f"{events(world)}/blocked-pairs", world.organiser, json=body)
    assert made.status_code == 201
    assert made.json["government"]["id"] == seed.governments[0]
    assert made.json["partner"]["id"] == seed.partners[1]
    assert made.json["reason"] == "Conflicto de interés"
    block_id = made.json["id"]
    assert statuses(app)[seed.suggestions[1]] == "rejected"
    assert audit_log(app)[-1] == ("pair.blocked", block_id, actor)
    shown = call(client, "GET", f"{events(world)}/suggestions/{seed.suggestions[1]}",
                 world.organiser).json  # fmt: skip
    assert shown["blocked"] is True
    # A blocked pair is never approved: the decision skips it and says so.
    approve = call(client, "POST", f"{events(world)}/decisions", world.organiser,
                   json={"decision": "approve", "suggestion_ids": seed.suggestions[:2]})  # fmt: skip
    assert approve.json == {"decision": "approve", "decided": 1, "skipped_blocked": 1}
    assert statuses(app)[seed.suggestions[1]] == "rejected"
    # Blocking again updates the reason: still one block.
    again = call(client, "POST", f"{events(world)}/blocked-pairs", world.organiser,
                 json={**body, "reason": "Otro motivo"})  # fmt: skip
    assert again.status_code == 201 and again.json["id"] == block_id
    listed = call(client, "GET", f"{events(world)}/blocked-pairs", world.organiser).json
    assert [(b["id"], b["reason"]) for b in listed["items"]] == [(block_id, "Otro motivo")]
    assert listed["next_cursor"] is None
    elsewhere = f"/api/v1/events/{world.other_event_id}/blocked-pairs/{block_id}"
    assert call(client, "DELETE", elsewhere, world.organiser).status_code == 404
    gone = call(client, "DELETE", f"{events(world)}/blocked-pairs/{block_id}", world.organiser)
    assert gone.status_code == 204
    assert audit_log(app)[-1] == ("pair.unblocked", block_id, actor)
    assert call(client, "GET", f"{events(world)}/blocked-pairs", world.organiser).json["items"] \
        == []  # fmt: skip
    again = call(client, "DELETE", f"{events(world)}/blocked-pairs/{block_id}", world.organiser)
    assert again.status_code == 404


def test_a_pair_must_be_an_official_and_a_partner_of_the_event(
    app: Flask, client: FlaskClient, world: ApiWorld
):
    seed = world.seed
    log = audit_log(app)
    for body, pointers in [
        ({"government_id": seed.partners[0], "partner_id": seed.partners[1]}, ["#/government_id"]),
        ({"government_id": seed.governments[0], "partner_id": seed.governments[1]},
         ["#/partner_id"]),
        ({"government_id": seed.governments[0], "partner_id": world.other_participant_id},
         ["#/partner_id"]),
        ({"government_id": 987654, "partner_id": 987655}, ["#/government_id", "#/partner_id"]),
        ({"government_id": seed.governments[0]}, ["#/partner_id"]),
        ({"government_id": seed.governments[0], "partner_id": seed.partners[0],
          "reason": "x" * 2001}, ["#/reason"]),
        ({"government_id": seed.governments[0], "partner_id": seed.partners[0],
          "reason": "nul\x00"}, ["#/reason"]),
    ]:  # fmt: skip
        refused = call(client, "POST", f"{events(world)}/blocked-pairs", world.organiser,
                       json=body)  # fmt: skip
        assert refused.status_code == 422, body
        assert [e["pointer"] for e in refused.json["errors"]] == pointers, body
    assert audit_log(app) == log
    with app.app_context():
        assert db.session.execute(db.select(BlockedPair)).first() is None


def test_a_pair_added_by_hand_is_approved(app: Flask, client: FlaskClient, world: ApiWorld):
    with app.app_context():
        newcomer = create_participant(db.session.get_one(Event, world.event_id), "partner",
                                      languages=["pt"], themes=["public-services"])  # fmt: skip
        db.session.commit()
        newcomer_id = newcomer.id
    body = {"government_id": world.seed.governments[1], "partner_id": newcomer_id, "score": 75}
    key = {"Idempotency-Key": "add-pair-1"}
    made = call(client, "POST", f"{events(world)}/pairs", world.organiser, json=body, **key)
    assert made.status_code == 201
    assert (made.json["status"], made.json["source"], made.json["score"]) == \
        ("approved", "manual", 75.0)  # fmt: skip
    assert made.json["reasons"]["manual"] is True
    assert made.json["reasons"]["themes"] == ["public-services"]
    assert made.json["reasons"]["languages"]["common"] == ["pt"]
    replay = call(client, "POST", f"{events(world)}/pairs", world.organiser, json=body, **key)
    assert replay.status_code == 201 and replay.json == made.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    added = [entry for entry in audit_log(app) if entry[0] == "suggestion.added"]
    assert added == [("suggestion.added", made.json["id"], organiser_id(app))]
    # An existing suggestion is approved, not duplicated; a blocked pair is a conflict.
    existing = {"government_id": world.seed.governments[0], "partner_id": world.seed.partners[0]}
    again = call(client, "POST", f"{events(world)}/pairs", world.organiser, json=existing)
    assert again.status_code == 201 and again.json["id"] == world.seed.suggestions[0]
    assert again.json["source"] == "model" and again.json["score"] == 90.0
    call(client, "POST", f"{events(world)}/blocked-pairs", world.organiser, json=existing)
    log = audit_log(app)
    blocked = call(client, "POST", f"{events(world)}/pairs", world.organiser, json=existing)
    assert blocked.status_code == 409 and blocked.mimetype == PROBLEM
    assert blocked.json["detail"]
    assert audit_log(app) == log
    out_of_range = call(client, "POST", f"{events(world)}/pairs", world.organiser,
                        json={**body, "score": 101})  # fmt: skip
    assert out_of_range.status_code == 422
    assert out_of_range.json["errors"][0]["pointer"] == "#/score"


# Who may call what -------------------------------------------------------------------------


def test_participants_cannot_use_the_organisers_calls(app: Flask, client: FlaskClient,
                                                      world: ApiWorld):  # fmt: skip
    before, log = statuses(app), audit_log(app)
    seed = world.seed
    pair = {"government_id": seed.governments[0], "partner_id": seed.partners[0]}
    calls = [
        ("GET", f"{events(world)}/suggestions", None),
        ("GET", f"{events(world)}/suggestions/{seed.suggestions[0]}", None),
        ("POST", f"{events(world)}/decisions",
         {"decision": "approve", "suggestion_ids": [seed.suggestions[0]]}),
        ("GET", f"{events(world)}/blocked-pairs", None),
        ("POST", f"{events(world)}/blocked-pairs", pair),
        ("POST", f"{events(world)}/pairs", pair),
        ("DELETE", f"{events(world)}/blocked-pairs/1", None),
    ]  # fmt: skip
    for secret in (world.official, world.partner):
        for method, path, body in calls:
            answer = call(client, method, path, secret, json=body)
            assert answer.status_code == 403 and answer.mimetype == PROBLEM, (method, path)
    assert statuses(app) == before and audit_log(app) == log
    assert call(client, "GET", "/api/v1/me/suggestions", world.organiser).status_code == 403


# A participant's own suggestions -----------------------------------------------------------


def test_my_suggestions_are_the_suggestions_page(app: Flask, client: FlaskClient,
                                                 world: ApiWorld):  # fmt: skip
    seed = world.seed
    weak = [{"code": "strength", "text": "weak", "data": {"strength": "weak", "fit": 20.0}}]
    good = [{"code": "strength", "text": "good", "data": {"strength": "good", "fit": 60.0}},
            *COMPUTED[1:]]  # fmt: skip
    update_suggestion(app, seed.suggestions[0], rank_for_government=1, rank_for_partner=1,
                      reasons=good)  # fmt: skip
    update_suggestion(app, seed.suggestions[1], rank_for_government=2, reasons=weak)
    update_suggestion(app, seed.suggestions[2], rank_for_government=3, reasons=COMPUTED[:1],
                      status="approved")  # fmt: skip
    with app.app_context():
        db.session.add(InterestMark(event_id=world.event_id, participant_id=seed.governments[0],
                                    other_id=seed.partners[2], mark="must-meet"))  # fmt: skip
        db.session.commit()
    mine = call(client, "GET", "/api/v1/me/suggestions", world.official)
    assert mine.status_code == 200
    assert [s["id"] for s in mine.json["items"]] == [seed.suggestions[0], seed.suggestions[2]]
    assert mine.json["weak_left_out"] == 1
    first, second = mine.json["items"]
    assert first["counterpart"]["id"] == seed.partners[0]
    assert set(first["counterpart"]) == {"id", "kind", "name", "organisation"}
    assert (first["strength"], first["status"]) == ("good", "suggested")
    assert first["reasons"]["similar"]["partner_sentence"].startswith("Ofrecemos")
    assert first["reasons"]["interest"] == "mutual"
    assert "score" not in first
    assert (first["request_state"], first["mark"]) == (None, None)
    assert (second["strength"], second["status"], second["mark"]) == \
        ("strong", "approved", "must-meet")  # fmt: skip
    asked = call(client, "POST", "/api/v1/me/requests", world.official,
                 json={"recipient_id": seed.partners[0]})  # fmt: skip
    assert asked.status_code == 201
    mine = call(client, "GET", "/api/v1/me/suggestions", world.official).json
    assert mine["items"][0]["request_state"] == "sent"
    theirs = call(client, "GET", "/api/v1/me/suggestions", world.partner).json
    assert [(s["id"], s["counterpart"]["id"], s["request_state"]) for s in theirs["items"]] == \
        [(seed.suggestions[0], seed.governments[0], "received")]  # fmt: skip
    themed = call(client, "GET", "/api/v1/me/suggestions?theme=public-services", world.official)
    assert themed.status_code == 200 and themed.json["items"] == []
    unknown = call(client, "GET", "/api/v1/me/suggestions?theme=astrology", world.official)
    assert unknown.status_code == 422 and unknown.json["errors"][0]["parameter"] == "theme"


# Arbitrary input ---------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
#: Bodies shaped like a decision, with anything in each place.
DECISIONS = st.fixed_dictionaries(
    {"decision": st.sampled_from(["approve", "reject", "reopen", "maybe"]) | JSON,
     "suggestion_ids": st.lists(st.integers(min_value=-5, max_value=2**40) | JSON, max_size=6)
                       | JSON},
    optional={"extra": JSON},
)  # fmt: skip


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(body=JSON | DECISIONS)
@example(body={"decision": "approve", "suggestion_ids": [2**31]})
@example(body={"decision": "approve", "suggestion_ids": [1.0, True]})
@example(body={"decision": "reject", "suggestion_ids": "1"})
def test_any_json_to_decisions_is_answered_below_500(
    app: Flask, client: FlaskClient, world: ApiWorld, body: Any
):
    before, log = statuses(app), audit_log(app)
    answer = client.post(f"{events(world)}/decisions", data=json.dumps(body),
                         headers={"Authorization": f"Bearer {world.organiser}",
                                  "Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code < 500, answer.get_data(as_text=True)
    if answer.status_code >= 400:
        assert answer.mimetype == PROBLEM
        assert statuses(app) == before and audit_log(app) == log
    else:
        assert answer.status_code == 200 and answer.json["decided"] >= 1
