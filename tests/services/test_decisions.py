"""Organiser decisions: approve, reject, selections, above a score, pairs by hand, blocks; every
one in the audit log."""

from __future__ import annotations

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, BlockedPair, MatchSuggestion
from matchmaker.services import decisions, scheduling
from matchmaker.services.accounts import create_user
from tests.factories import create_event, create_participant


@pytest.fixture
def world(app_ctx):  # type: ignore[no-untyped-def]
    event = create_event(days=1, num_tables=2)
    governments = [create_participant(event, "government") for _ in range(2)]
    partners = [create_participant(event, "partner") for _ in range(2)]
    suggestions = []
    for i, g in enumerate(governments):
        for j, p in enumerate(partners):
            suggestion = MatchSuggestion(event_id=event.id, government_id=g.id,
                                         partner_id=p.id, score=90 - 10 * (2 * i + j))  # fmt: skip
            db.session.add(suggestion)
            suggestions.append(suggestion)
    organiser = create_user("org@example.org", "organiser-pass", "organiser")
    db.session.commit()
    return event, governments, partners, suggestions, organiser


def actions() -> list[str]:
    query = db.select(AuditEntry.action).order_by(AuditEntry.id)
    return list(db.session.execute(query).scalars())


def test_decide_records_who_and_when(world) -> None:  # type: ignore[no-untyped-def]
    _event, _g, _p, suggestions, organiser = world
    decisions.decide(suggestions[0], "approved", organiser)
    decisions.decide(suggestions[1], "rejected", organiser)
    db.session.commit()
    assert suggestions[0].status == "approved" and suggestions[0].decided_by_id == organiser.id
    assert suggestions[1].status == "rejected" and suggestions[1].decided_at is not None
    assert actions() == ["suggestion.approved", "suggestion.rejected"]
    entry = db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars().first()
    assert entry.actor_id == organiser.id and entry.target_id == suggestions[0].id
    assert entry.details["previous"] == "suggested"
    with pytest.raises(ValueError):
        decisions.decide(suggestions[0], "maybe", organiser)


def test_decide_many_skips_blocked_and_other_events(world) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners, suggestions, organiser = world
    decisions.block_pair(event, governments[0], partners[1], "conflicto", organiser)
    other_event = create_event()
    foreign = MatchSuggestion(event_id=other_event.id,
                              government_id=create_participant(other_event, "government").id,
                              partner_id=create_participant(other_event, "partner").id)  # fmt: skip
    db.session.add(foreign)
    db.session.flush()
    ids = [s.id for s in suggestions] + [foreign.id]
    decided, skipped = decisions.decide_many(event, ids, "approved", organiser)
    db.session.commit()
    assert (decided, skipped) == (3, 1)
    assert foreign.status == "suggested" and suggestions[1].status == "rejected"
    assert decisions.decide_many(event, [], "approved", organiser) == (0, 0)


def test_approve_above_skips_blocked_pairs(world) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners, suggestions, organiser = world
    decisions.block_pair(event, governments[0], partners[0], "conflicto", organiser)
    suggestions[0].status = "suggested"  # a stale suggestion of a blocked pair
    assert decisions.approve_above(event, 70, organiser) == 2
    db.session.commit()
    assert [s.status for s in suggestions] == ["suggested", "approved", "approved", "suggested"]
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "suggestions.approved-above")
    ).scalar_one()
    assert entry.details["count"] == 2 and entry.details["min_score"] == 70


def test_blocked_pair_cannot_be_approved_nor_scheduled(world) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners, suggestions, organiser = world
    decisions.decide(suggestions[0], "approved", organiser)
    block = decisions.block_pair(event, governments[0], partners[0], "parentesco", organiser)
    db.session.commit()
    assert block.reason == "parentesco" and block.created_by_id == organiser.id
    assert suggestions[0].status == "rejected"
    with pytest.raises(decisions.PairBlocked):
        decisions.decide(suggestions[0], "approved", organiser)
    with pytest.raises(decisions.PairBlocked):
        decisions.add_pair(event, governments[0], partners[0], organiser)
    assert suggestions[0].id not in {s.id for s in scheduling.list_schedulable_pairs(event)}
    again = decisions.block_pair(event, governments[0], partners[0], "otro motivo", organiser)
    assert again.id == block.id and again.reason == "otro motivo"
    decisions.unblock_pair(block, organiser)
    db.session.commit()
    assert db.session.execute(db.select(BlockedPair)).first() is None
    assert actions() == ["suggestion.approved", "pair.blocked", "pair.blocked", "pair.unblocked"]


def test_add_pair_by_hand(world) -> None:  # type: ignore[no-untyped-def]
    event, governments, partners, suggestions, organiser = world
    db.session.delete(suggestions[3])
    db.session.commit()
    added = decisions.add_pair(event, governments[1], partners[1], organiser)
    db.session.commit()
    assert (added.source, added.status, added.score) == ("manual", "approved",
                                                         decisions.MANUAL_SCORE)  # fmt: skip
    assert added.reasons[0]["code"] == "manual"
    existing = decisions.add_pair(event, governments[0], partners[0], organiser, score=55)
    assert existing.id == suggestions[0].id and existing.source == "model"
    assert (existing.status, existing.score) == ("approved", 55)
    with pytest.raises(decisions.DecisionError):
        decisions.add_pair(event, partners[0], governments[0], organiser)
    assert actions() == ["suggestion.added", "suggestion.added"]


def test_adding_or_blocking_a_pair_again_keeps_one_row(world) -> None:  # type: ignore[no-untyped-def]
    """What the loser of two organisers acting at once gets when it runs again after the
    unique index refused its row: the winner's row, approved again or with its new reason."""
    from sqlalchemy.exc import IntegrityError

    event, governments, partners, suggestions, organiser = world
    db.session.delete(suggestions[3])
    db.session.commit()
    first = decisions.add_pair(event, governments[1], partners[1], organiser)
    again = decisions.add_pair(event, governments[1], partners[1], organiser, score=60)
    assert again.id == first.id and (again.status, again.score) == ("approved", 60)
    block = decisions.block_pair(event, governments[0], partners[0], "uno", organiser)
    other = decisions.block_pair(event, governments[0], partners[0], "dos", organiser)
    assert other.id == block.id and other.reason == "dos"
    db.session.commit()
    assert db.session.execute(db.select(db.func.count()).select_from(BlockedPair)).scalar() == 1
    # The database refuses the duplicates a race would write.
    for row in (
        MatchSuggestion(event_id=event.id, government_id=governments[1].id,
                        partner_id=partners[1].id, score=1.0),
        BlockedPair(event_id=event.id, government_id=governments[0].id,
                    partner_id=partners[0].id),
    ):  # fmt: skip
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(row)
