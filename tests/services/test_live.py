"""The live meeting area: check-in, the board, no-shows after the grace time, standby offers,
accepting one (nothing else moves, one winner when two accept at once) and the audit log.
Time is passed in (``now``), on a factory event (10 March 2032, 20-minute slots)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Event, Meeting, Participant, StandbyOffer
from matchmaker.services import live, standby
from matchmaker.services.live import LiveError
from tests.factories import create_event
from tests.live_world import LiveWorld, build_live_world


@pytest.fixture
def world(app_ctx: Flask) -> LiveWorld:
    built = build_live_world(create_event(days=1))
    db.session.commit()
    return built


def at(world: LiveWorld, minutes: float) -> datetime:
    """``minutes`` after slot 1 started."""
    return world.slot1_start + timedelta(minutes=minutes)


def person(world: LiveWorld, name: str) -> Participant:
    return db.session.get_one(Participant, world.people[name])


def actions() -> list[str]:
    return list(db.session.execute(db.select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def offers_of(meeting_id: int) -> list[StandbyOffer]:
    query = db.select(StandbyOffer).where(StandbyOffer.meeting_id == meeting_id)
    return list(db.session.execute(query.order_by(StandbyOffer.id)).scalars())


# --------------------------------------------------------------------------- check-in


def test_a_participant_checks_in_to_their_own_meeting_only(world: LiveWorld) -> None:
    busy = db.session.get_one(Meeting, world.busy)
    with pytest.raises(LiveError) as refused:
        live.check_in_participant(busy, person(world, "G1"), at(world, 1), None)
    assert refused.value.code == "not-yours"
    assert live.check_in_participant(busy, person(world, "P7"), at(world, 1), None) is True
    assert live.check_in_participant(busy, person(world, "P7"), at(world, 2), None) is False
    assert busy.partner_checked_in_at is not None and busy.government_checked_in_at is None
    assert actions() == ["meeting.checked-in"]


def test_check_in_is_open_from_shortly_before_the_slot_until_it_ends(world: LiveWorld) -> None:
    busy = db.session.get_one(Meeting, world.busy)
    for minutes in (-16, 20):
        with pytest.raises(LiveError) as refused:
            live.check_in(busy, "government", at(world, minutes), None, by_staff=True)
        assert refused.value.code == "outside-slot"
    with pytest.raises(LiveError):
        live.check_in(busy, "interpreter", at(world, 1), None, by_staff=True)
    assert live.check_in(busy, "government", at(world, -10), None, by_staff=True)
    busy.status = "cancelled"
    with pytest.raises(LiveError) as refused:
        live.check_in(busy, "partner", at(world, 1), None, by_staff=True)
    assert refused.value.code == "not-checkable"


# --------------------------------------------------------------------------- the board


def test_the_board_shows_who_is_due_in_and_late(world: LiveWorld) -> None:
    event = db.session.get_one(Event, world.event_id)
    current, upcoming = live.board(event, at(world, 5))
    assert current.current and current.slot.index == 1 and upcoming.slot.index == 2
    rows = {row.meeting.id: row for row in current.rows}
    assert (rows[world.missed].government, rows[world.missed].partner) == ("checked-in", "late")
    assert rows[world.missed].state == "waiting"
    assert rows[world.both].state == "in-progress"
    assert (rows[world.busy].government, rows[world.busy].partner) == ("late", "late")
    before = live.board(event, at(world, -5))
    assert [s.slot.index for s in before] == [0, 1] or [s.slot.index for s in before] == [1]
    upcoming_rows = next(s for s in before if s.slot.index == 1).rows
    assert {row.government for row in upcoming_rows} >= {"due", "checked-in"}


# --------------------------------------------------------------------------- no-shows


def test_no_show_only_after_the_grace_time_and_only_with_one_side(world: LiveWorld) -> None:
    event = db.session.get_one(Event, world.event_id)
    assert live.mark_no_shows(event, at(world, 9)) == []
    marked = live.mark_no_shows(event, at(world, 10))
    assert [m.id for m in marked] == [world.missed]
    statuses = {m.id: m.status for m in db.session.execute(db.select(Meeting)).scalars()}
    assert statuses[world.missed] == "no-show"
    assert statuses[world.both] == "published"  # both came
    assert statuses[world.busy] == "published"  # nobody came: not a standby case
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "meeting.no-show")
    ).scalar_one()
    assert entry.details["absent_id"] == world.people["P1"]
    assert entry.details["present_id"] == world.people["G1"]
    assert live.mark_no_shows(event, at(world, 11)) == []  # once


def test_the_grace_time_is_the_events_setting(world: LiveWorld) -> None:
    event = db.session.get_one(Event, world.event_id)
    event.no_show_minutes = 15
    assert live.mark_no_shows(event, at(world, 12)) == []
    assert len(live.mark_no_shows(event, at(world, 15))) == 1


# --------------------------------------------------------------------------- standby offers


def test_standby_candidates_are_the_best_present_and_free_pairs(world: LiveWorld) -> None:
    event = db.session.get_one(Event, world.event_id)
    live.mark_no_shows(event, at(world, 10))
    made = standby.make_offers(event, at(world, 10))
    db.session.commit()
    assert [(o.candidate_id, o.approved) for o in made] == [
        (world.people["P4"], True),  # approved comes first
        (world.people["P3"], False),  # strongly suggested
    ]
    assert all(o.present_id == world.people["G1"] and o.table_number == 0 for o in made)
    assert standby.make_offers(event, at(world, 11)) == []  # each no-show is offered once
    assert "standby.offered" in actions()
    # Both people see the offer: the official both of theirs, each partner their own.
    for name, expected in (("G1", made), ("P4", made[:1]), ("P3", made[1:])):
        shown = live.list_open_offers_for(person(world, name), at(world, 11))
        assert [o.id for o in shown] == [o.id for o in expected]


def test_accepting_books_a_meeting_at_the_table_and_nothing_else_moves(world: LiveWorld) -> None:
    event = db.session.get_one(Event, world.event_id)
    live.mark_no_shows(event, at(world, 10))
    first, second = standby.make_offers(event, at(world, 10))
    db.session.commit()
    before = {(m.id, m.slot_index, m.table_number, m.status)
              for m in db.session.execute(db.select(Meeting)).scalars()}  # fmt: skip
    booked = standby.accept_offer(second, person(world, "P3"), at(world, 11), None)
    db.session.commit()
    after = {(m.id, m.slot_index, m.table_number, m.status)
             for m in db.session.execute(db.select(Meeting)).scalars()}  # fmt: skip
    assert after - before == {(booked.id, 1, 0, "published")}
    assert before - after == set()
    assert booked.government_id == world.people["G1"] and booked.partner_id == world.people["P3"]
    assert booked.government_checked_in_at is not None  # G1 is at the table already
    assert (second.state, second.booked_meeting_id) == ("accepted", booked.id)
    db.session.refresh(first)
    assert first.state == "superseded"
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "standby.accepted")
    ).scalar_one()
    assert entry.target_id == booked.id and entry.details["superseded"] == [first.id]
    with pytest.raises(LiveError) as refused:
        standby.accept_offer(first, person(world, "G1"), at(world, 12), None)
    assert refused.value.code == "closed"


def test_declining_and_expiry(world: LiveWorld) -> None:
    event = db.session.get_one(Event, world.event_id)
    live.mark_no_shows(event, at(world, 10))
    first, second = standby.make_offers(event, at(world, 10))
    with pytest.raises(LiveError) as refused:
        standby.decline_offer(first, person(world, "P3"), at(world, 11), None)
    assert refused.value.code == "not-yours"
    standby.decline_offer(first, person(world, "P4"), at(world, 11), None)
    assert first.state == "declined"
    with pytest.raises(LiveError) as refused:
        standby.accept_offer(second, person(world, "G1"), at(world, 20), None)
    assert refused.value.code == "expired"
    assert standby.expire_offers(event, at(world, 20)) == 1
    assert second.state == "expired"
    assert actions()[-2:] == ["standby.declined", "standby.expired"]


def test_two_accepting_at_once_one_wins_by_the_constraint(world: LiveWorld, app_ctx: Flask) -> None:
    """G1 accepts P4's offer while P3 accepts theirs: both read their offer open; the unique
    index on (official, slot) lets one meeting in and refuses the other."""
    event = db.session.get_one(Event, world.event_id)
    live.mark_no_shows(event, at(world, 10))
    first, second = standby.make_offers(event, at(world, 10))
    db.session.commit()
    ids = (first.id, second.id)
    loaded, go_on = threading.Event(), threading.Event()
    outcome: list[object] = []

    def loser() -> None:
        with app_ctx.app_context():
            offer = db.session.get_one(StandbyOffer, ids[1])
            assert offer.state == "offered"
            loaded.set()
            go_on.wait(30)
            try:
                standby.accept_offer(offer, offer.candidate, at(world, 11), None)
                db.session.commit()
                outcome.append("booked")
            except IntegrityError:
                db.session.rollback()
                outcome.append("refused")
            finally:
                db.session.remove()

    thread = threading.Thread(target=loser)
    thread.start()
    loaded.wait(30)
    winner = db.session.get_one(StandbyOffer, ids[0])
    standby.accept_offer(winner, person(world, "G1"), at(world, 11), None)
    db.session.commit()
    go_on.set()
    thread.join(30)
    assert outcome == ["refused"]
    booked = db.session.execute(
        db.select(Meeting).where(Meeting.slot_index == 1, Meeting.table_number == 0,
                                 Meeting.status == "published")
    ).scalar_one()  # fmt: skip
    assert booked.partner_id == world.people["P4"]


def test_watch_meetings_marks_offers_and_expires(world: LiveWorld) -> None:
    summary = standby.watch_meetings(at(world, 10))
    assert summary["no_shows"] == [world.missed] and len(summary["offers"]) == 2
    assert standby.watch_meetings(at(world, 11))["offers"] == []
    assert standby.watch_meetings(at(world, 21))["expired"] == 2
