"""Standby meetings: after a no-show, the side who came is offered a meeting now, at the same
table, with someone who is at the congress and free.

Candidates are the present person's pairs that the organisers approved, or that the matching
strongly suggests (score of at least STRONG_SCORE, not rejected), not blocked, and not already
booked (any meeting between them that is not cancelled, a no-show included). The other side
must be *present* and *free*:

- present: checked in to one of their meetings earlier that day, or had a meeting held that
  day (someone staff saw);
- free: no meeting that holds the slot (draft, published or held); a no-show meeting in the
  slot where they are the side who came leaves them free, one where they are the absent side
  means they are not around.

The best OFFERS_PER_NO_SHOW pairs (approved first, then by score) are offered; both sides see
the offer on their agenda (and by mail when mail is set up). The first to accept books a real
meeting (published) at the no-show's table; the unique indexes decide between two accepting
at once. Every other open offer for either person in that slot is superseded; nothing else
moves. Offers still open when their slot ends expire. Everything is logged.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_

from matchmaker.extensions import db
from matchmaker.models import (
    BlockedPair,
    Event,
    MatchSuggestion,
    Meeting,
    Participant,
    StandbyOffer,
    User,
)
from matchmaker.models.meeting import MeetingStatus
from matchmaker.models.standby import StandbyState
from matchmaker.services import audit
from matchmaker.services.live import (
    LiveError,
    current_slot,
    event_slots,
    list_events_today,
    mark_no_shows,
    one_side_checked_in,
    present_side,
)

#: A pair not yet approved is offered only from this score (the "approve from" default on the
#: match review page): a strong suggestion, not a filler.
STRONG_SCORE = 70.0
#: Offers made at once for one no-show: the first of them accepted wins.
OFFERS_PER_NO_SHOW = 3
#: Meetings that hold their slot: their sides are not free then.
HOLDING = (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.HELD)


def make_offers(event: Event, now: datetime) -> list[StandbyOffer]:
    """Offers for every no-show of the slot under way that has none yet (each no-show is
    offered once; one with no candidate now is looked at again at the next run)."""
    slot = current_slot(event, now)
    if slot is None:
        return []
    offered = db.select(StandbyOffer.id).where(StandbyOffer.meeting_id == Meeting.id).exists()
    query = db.select(Meeting).where(
        Meeting.event_id == event.id,
        Meeting.slot_index == slot.index,
        Meeting.status == MeetingStatus.NO_SHOW,
        one_side_checked_in(),
        ~offered,
    )
    made: list[StandbyOffer] = []
    for meeting in db.session.execute(query.order_by(Meeting.id)).scalars():
        made += _offer_for(event, meeting)
    db.session.flush()
    return made


def _offer_for(event: Event, meeting: Meeting) -> list[StandbyOffer]:
    side = present_side(meeting)
    if side is None:
        return []
    present_id = getattr(meeting, f"{side}_id")
    offers = [
        StandbyOffer(event_id=event.id, meeting_id=meeting.id, present_id=present_id,
                     candidate_id=candidate_id, slot_index=meeting.slot_index,
                     table_number=meeting.table_number, score=score, approved=approved)
        for candidate_id, score, approved in list_candidates(event, meeting, present_id)
    ]  # fmt: skip
    if offers:
        db.session.add_all(offers)
        audit.record("standby.offered", actor=None, event_id=event.id, target=meeting,
                     present_id=present_id, candidates=[o.candidate_id for o in offers],
                     slot=meeting.slot_index, table=meeting.table_number)  # fmt: skip
    return offers


def list_candidates(
    event: Event, meeting: Meeting, present_id: int, limit: int = OFFERS_PER_NO_SHOW
) -> list[tuple[int, float, bool]]:
    """(candidate id, score, approved) of the best pairs for the present side of ``meeting``
    whose other side is present and free in its slot, best first."""
    present = db.session.get_one(Participant, present_id)
    mine = MatchSuggestion.government_id if present.is_government else MatchSuggestion.partner_id
    theirs = MatchSuggestion.partner_id if present.is_government else MatchSuggestion.government_id
    blocked = (
        db.select(BlockedPair.id)
        .where(BlockedPair.government_id == MatchSuggestion.government_id,
               BlockedPair.partner_id == MatchSuggestion.partner_id)
        .exists()
    )  # fmt: skip
    booked = (
        db.select(Meeting.id)
        .where(Meeting.government_id == MatchSuggestion.government_id,
               Meeting.partner_id == MatchSuggestion.partner_id,
               Meeting.status != MeetingStatus.CANCELLED)
        .exists()
    )  # fmt: skip
    query = (
        db.select(theirs, MatchSuggestion.score, MatchSuggestion.status)
        .where(
            MatchSuggestion.event_id == event.id,
            mine == present_id,
            or_(
                MatchSuggestion.status == "approved",
                (MatchSuggestion.status == "suggested") & (MatchSuggestion.score >= STRONG_SCORE),
            ),
            ~blocked,
            ~booked,
        )
        .order_by(
            (MatchSuggestion.status == "approved").desc(),
            MatchSuggestion.score.desc(),
            MatchSuggestion.id,
        )
    )
    pairs = db.session.execute(query).all()
    available = _present_and_free(event, meeting.slot_index, {row[0] for row in pairs})
    chosen = [(row[0], float(row[1]), row[2] == "approved") for row in pairs if row[0] in available]
    return chosen[:limit]


def _present_and_free(event: Event, slot_index: int, people: set[int]) -> set[int]:
    """Those of ``people`` present at the congress on the slot's day and free in the slot."""
    if not people:
        return set()
    slots = event_slots(event)
    today = [s.index for s in slots if s.day == slots[slot_index].day and s.index <= slot_index]
    unavailable = {
        person.id
        for person in db.session.execute(
            db.select(Participant).where(Participant.id.in_(people))
        ).scalars()
        if slot_index in (person.unavailable or [])
    }
    present: set[int] = set()
    busy: set[int] = set()
    query = db.select(Meeting).where(
        Meeting.event_id == event.id,
        Meeting.slot_index.in_(today),
        Meeting.status != MeetingStatus.CANCELLED,
        or_(Meeting.government_id.in_(people), Meeting.partner_id.in_(people)),
    )
    for meeting in db.session.execute(query).scalars():
        for side in ("government", "partner"):
            person = getattr(meeting, f"{side}_id")
            came = getattr(meeting, f"{side}_checked_in_at") is not None
            if came or meeting.status == MeetingStatus.HELD:
                present.add(person)
            if meeting.slot_index == slot_index and (meeting.status in HOLDING or not came):
                busy.add(person)
    return (present & people) - busy - unavailable


# --------------------------------------------------------------------------- answers


def get_offer_for(participant: Participant, offer_id: int) -> StandbyOffer | None:
    """The offer if ``participant`` is one of its two people, else None."""
    offer = db.session.get(StandbyOffer, offer_id)
    if offer is None or participant.id not in (offer.present_id, offer.candidate_id):
        return None
    return offer


def accept_offer(
    offer: StandbyOffer, participant: Participant, now: datetime, actor: User | None
) -> Meeting:
    """Book the standby meeting now at the no-show's table (published), close the offer and
    supersede every other open offer for either person in the slot. Raises LiveError when
    the offer is no longer open, IntegrityError (at flush or commit) when someone else took
    the table or one of the two people first."""
    _check_open(offer, participant, now)
    persons = db.session.execute(
        db.select(Participant).where(Participant.id.in_((offer.present_id, offer.candidate_id)))
    ).scalars()
    government, partner = sorted(persons, key=lambda p: not p.is_government)
    suggestion = db.session.execute(
        db.select(MatchSuggestion.id).where(
            MatchSuggestion.event_id == offer.event_id,
            MatchSuggestion.government_id == government.id,
            MatchSuggestion.partner_id == partner.id,
        )
    ).scalar()
    meeting = Meeting(event_id=offer.event_id, government_id=government.id,
                      partner_id=partner.id, suggestion_id=suggestion,
                      slot_index=offer.slot_index, table_number=offer.table_number,
                      status=MeetingStatus.PUBLISHED, weight=offer.score,
                      # told on the spot: no invitation or reminder mail afterwards
                      invitation_sent_at=now, reminder_sent_at=now)  # fmt: skip
    # The side who came is at the table already.
    side = "government" if offer.present_id == government.id else "partner"
    setattr(meeting, f"{side}_checked_in_at", now)
    db.session.add(meeting)
    db.session.flush()
    _close(offer, StandbyState.ACCEPTED, now, actor)
    offer.booked_meeting_id = meeting.id
    superseded = _supersede_others(offer, now)
    audit.record("standby.accepted", actor=actor, event_id=offer.event_id, target=meeting,
                 offer_id=offer.id, no_show_meeting_id=offer.meeting_id,
                 accepted_by=participant.id, superseded=superseded,
                 slot=offer.slot_index, table=offer.table_number)  # fmt: skip
    db.session.flush()
    return meeting


def decline_offer(
    offer: StandbyOffer, participant: Participant, now: datetime, actor: User | None
) -> None:
    """Close the offer for both sides: one of them said no."""
    _check_open(offer, participant, now)
    _close(offer, StandbyState.DECLINED, now, actor)
    audit.record("standby.declined", actor=actor, event_id=offer.event_id, target=offer.meeting,
                 offer_id=offer.id, declined_by=participant.id,
                 slot=offer.slot_index, table=offer.table_number)  # fmt: skip
    db.session.flush()


def _check_open(offer: StandbyOffer, participant: Participant, now: datetime) -> None:
    if participant.id not in (offer.present_id, offer.candidate_id):
        raise LiveError("not-yours")
    if offer.state != StandbyState.OFFERED:
        raise LiveError("closed")
    slots = event_slots(db.session.get_one(Event, offer.event_id))
    if offer.slot_index >= len(slots) or slots[offer.slot_index].end <= now:
        raise LiveError("expired")


def _close(offer: StandbyOffer, state: StandbyState, now: datetime, actor: User | None) -> None:
    offer.state = state.value
    offer.answered_at = now
    offer.answered_by_id = actor.id if actor is not None else None


def _supersede_others(offer: StandbyOffer, now: datetime) -> list[int]:
    """Open offers of the same slot for the same no-show or either of the two people."""
    people = (offer.present_id, offer.candidate_id)
    query = db.select(StandbyOffer).where(
        StandbyOffer.event_id == offer.event_id,
        StandbyOffer.slot_index == offer.slot_index,
        StandbyOffer.state == StandbyState.OFFERED,
        StandbyOffer.id != offer.id,
        or_(StandbyOffer.meeting_id == offer.meeting_id,
            StandbyOffer.present_id.in_(people), StandbyOffer.candidate_id.in_(people)),
    )  # fmt: skip
    others = list(db.session.execute(query).scalars())
    for other in others:
        other.state, other.answered_at = StandbyState.SUPERSEDED.value, now
    return [other.id for other in others]


def expire_offers(event: Event, now: datetime) -> int:
    """Open offers whose slot has ended: expired (logged as one entry)."""
    slots = event_slots(event)
    ended = [s.index for s in slots if s.end <= now]
    if not ended:
        return 0
    query = db.select(StandbyOffer).where(
        StandbyOffer.event_id == event.id,
        StandbyOffer.state == StandbyState.OFFERED,
        StandbyOffer.slot_index.in_(ended),
    )
    stale = list(db.session.execute(query).scalars())
    for offer in stale:
        offer.state = StandbyState.EXPIRED.value
    if stale:
        audit.record("standby.expired", actor=None, event_id=event.id,
                     offers=[offer.id for offer in stale], count=len(stale))  # fmt: skip
    db.session.flush()
    return len(stale)


def watch_meetings(now: datetime) -> dict[str, list[int] | int]:
    """One run of the periodic task: in every event meeting today, mark the no-shows of the
    slot under way, offer standby meetings, expire the offers of ended slots."""
    no_shows: list[int] = []
    offers: list[int] = []
    expired = 0
    for event in list_events_today(now):
        no_shows += [meeting.id for meeting in mark_no_shows(event, now)]
        offers += [offer.id for offer in make_offers(event, now)]
        expired += expire_offers(event, now)
    return {"no_shows": no_shows, "offers": offers, "expired": expired}
