"""A participant's control over their own published meetings: call one off with a reason, or
ask to move it to a slot where both sides are free and a table is open, which the other side
accepts (the meeting moves, nobody else does) or declines.

These functions flush; the view commits. The unique indexes settle races: one open request
per meeting (``uq_move_request_open``) and the meeting's own slot indexes when two bookings
want the same place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, MoveRequest, Participant, User
from matchmaker.models.meeting import MEETING_PEOPLE, MeetingStatus
from matchmaker.models.meeting_changes import MoveState
from matchmaker.orm import utcnow
from matchmaker.services import audit, cancellations, scheduling
from matchmaker.services.live import event_slots


class ChangeError(ValueError):
    """Why a change cannot be made. ``code``: ``not-changeable`` (not published, or already
    started), ``no-reason``, ``slot-not-free``, ``already-asked``, ``not-open`` (answered
    or withdrawn already), ``stale`` (the meeting or the slot changed since it was asked)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def other_side(meeting: Meeting, participant: Participant) -> Participant:
    return meeting.partner if participant.id == meeting.government_id else meeting.government


def _starts_after(event: Event, slot: int, now: datetime) -> bool:
    slots = event_slots(event)
    return 0 <= slot < len(slots) and slots[slot].start > now


def can_change(event: Event, meeting: Meeting, now: datetime | None = None) -> bool:
    """Its sides may still cancel or move it: published and not yet started."""
    return meeting.status == MeetingStatus.PUBLISHED and _starts_after(
        event, meeting.slot_index, now or utcnow()
    )


def cancel_own_meeting(
    meeting: Meeting, participant: Participant, reason: str, actor: User | None,
    now: datetime | None = None,
) -> None:  # fmt: skip
    """Call off one's own meeting with a reason: both sides are mailed (``cancel_meeting``),
    the other side sees it on their agenda, the organisers in the history."""
    event = scheduling.meeting_event(meeting)
    if not can_change(event, meeting, now):
        raise ChangeError("not-changeable")
    if not reason.strip():
        raise ChangeError("no-reason")
    before = {"slot": meeting.slot_index, "table": meeting.table_number, "status": meeting.status}
    cancellations.cancel_meeting(meeting, reason)
    meeting.cancelled_by_id = participant.id
    _close_open_requests(meeting, MoveState.STALE, now)
    audit.record("meeting.cancelled-by-participant", actor=actor, event_id=meeting.event_id,
                 target=meeting, reason=meeting.cancel_reason, participant_id=participant.id,
                 **before)  # fmt: skip
    db.session.flush()


def list_move_slots(meeting: Meeting, now: datetime | None = None) -> list[int]:
    """The slots still to come where the meeting could move with nobody else moving."""
    event = scheduling.meeting_event(meeting)
    moment = now or utcnow()
    return [s for s in scheduling.free_slots_for(meeting) if _starts_after(event, s, moment)]


def get_open_request(meeting: Meeting) -> MoveRequest | None:
    query = db.select(MoveRequest).where(
        MoveRequest.meeting_id == meeting.id, MoveRequest.state == MoveState.ASKED
    )
    return db.session.execute(query).scalar_one_or_none()


def ask_to_move(
    meeting: Meeting, participant: Participant, slot: int, actor: User | None,
    now: datetime | None = None,
) -> MoveRequest:  # fmt: skip
    """Ask the other side to move the meeting to ``slot`` (one open request per meeting;
    a second asked at the same moment fails at the flush with IntegrityError)."""
    event = scheduling.meeting_event(meeting)
    if not can_change(event, meeting, now):
        raise ChangeError("not-changeable")
    if get_open_request(meeting) is not None:
        raise ChangeError("already-asked")
    if slot not in list_move_slots(meeting, now):
        raise ChangeError("slot-not-free")
    request = MoveRequest(event_id=meeting.event_id, meeting_id=meeting.id,
                          asked_by_id=participant.id, from_slot=meeting.slot_index,
                          slot_index=slot, state=MoveState.ASKED.value)  # fmt: skip
    db.session.add(request)
    db.session.flush()
    audit.record("meeting.move-asked", actor=actor, event_id=meeting.event_id, target=meeting,
                 slot=meeting.slot_index, table=meeting.table_number, to_slot=slot,
                 participant_id=participant.id)  # fmt: skip
    return request


def get_request_for(participant: Participant, request_id: int) -> MoveRequest | None:
    """The move request if ``participant`` is a side of its meeting, else None."""
    request = db.session.get(MoveRequest, request_id)
    if request is None:
        return None
    meeting = request.meeting
    return request if participant.id in (meeting.government_id, meeting.partner_id) else None


def is_current(request: MoveRequest, now: datetime | None = None) -> bool:
    """Still answerable: asked, the meeting is where it was and has not started, and the
    wanted slot is still to come."""
    meeting = request.meeting
    event = scheduling.meeting_event(meeting)
    moment = now or utcnow()
    return (request.state == MoveState.ASKED and meeting.slot_index == request.from_slot
            and can_change(event, meeting, moment)
            and _starts_after(event, request.slot_index, moment))  # fmt: skip


def _claim(request: MoveRequest, state: MoveState, now: datetime | None) -> None:
    """Asked -> ``state`` in one conditional update: of two answers at once, one wins."""
    claimed = db.session.execute(
        db.update(MoveRequest)
        .where(MoveRequest.id == request.id, MoveRequest.state == MoveState.ASKED)
        .values(state=state.value, answered_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ChangeError("not-open")
    db.session.refresh(request)


def accept_move(
    request: MoveRequest, participant: Participant, actor: User | None,
    now: datetime | None = None,
) -> Meeting:  # fmt: skip
    """The other side accepts: the meeting moves (``scheduling.move_meeting``, which sends
    the invitation again). ``ChangeError("stale")`` when the meeting or the slot changed
    since (the caller marks it stale with ``mark_stale`` after rolling back); a booking
    racing for the slot fails at the flush with IntegrityError."""
    if participant.id == request.asked_by_id:
        raise ChangeError("not-open")  # the asker withdraws; only the other side answers
    if request.state != MoveState.ASKED:
        raise ChangeError("not-open")
    meeting = request.meeting
    if not is_current(request, now) or request.slot_index not in list_move_slots(meeting, now):
        raise ChangeError("stale")
    _claim(request, MoveState.ACCEPTED, now)
    before = {"slot": meeting.slot_index, "table": meeting.table_number}
    try:
        scheduling.move_meeting(meeting, request.slot_index)
    except scheduling.SlotTaken as taken:
        raise ChangeError("stale") from taken
    audit.record("meeting.move-accepted", actor=actor, event_id=meeting.event_id,
                 target=meeting, **before, to_slot=meeting.slot_index,
                 to_table=meeting.table_number, participant_id=participant.id)  # fmt: skip
    return meeting


def decline_move(
    request: MoveRequest, participant: Participant, actor: User | None,
    now: datetime | None = None,
) -> None:  # fmt: skip
    """The other side declines: the meeting stays where it is."""
    if participant.id == request.asked_by_id:
        raise ChangeError("not-open")
    _claim(request, MoveState.DECLINED, now)
    meeting = request.meeting
    audit.record("meeting.move-declined", actor=actor, event_id=meeting.event_id,
                 target=meeting, slot=meeting.slot_index, table=meeting.table_number,
                 participant_id=participant.id)  # fmt: skip


def withdraw_move(
    request: MoveRequest, participant: Participant, now: datetime | None = None
) -> None:
    """The asker takes the request back (not logged: nothing changed for anyone)."""
    if participant.id != request.asked_by_id:
        raise ChangeError("not-open")
    _claim(request, MoveState.WITHDRAWN, now)


def mark_stale(request_id: int, now: datetime | None = None) -> None:
    """Close a request that can no longer be carried out (after its accept was rolled back)."""
    db.session.execute(
        db.update(MoveRequest)
        .where(MoveRequest.id == request_id, MoveRequest.state == MoveState.ASKED)
        .values(state=MoveState.STALE.value, answered_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def _close_open_requests(meeting: Meeting, state: MoveState, now: datetime | None) -> None:
    db.session.execute(
        db.update(MoveRequest)
        .where(MoveRequest.meeting_id == meeting.id, MoveRequest.state == MoveState.ASKED)
        .values(state=state.value, answered_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def list_open_requests(participant: Participant, now: datetime | None = None) -> list[MoveRequest]:
    """The open move requests on ``participant``'s meetings (asked by either side) that can
    still be carried out, in the order of their meetings."""
    query = (
        db.select(MoveRequest)
        .join(Meeting, Meeting.id == MoveRequest.meeting_id)
        .where(
            MoveRequest.state == MoveState.ASKED,
            or_(Meeting.government_id == participant.id, Meeting.partner_id == participant.id),
        )
        .options(joinedload(MoveRequest.meeting).options(*MEETING_PEOPLE))
        .order_by(Meeting.slot_index)
    )
    requests = db.session.execute(query).unique().scalars()
    return [r for r in requests if is_current(r, now)]


def list_cancelled_by_a_side(participant: Participant) -> list[Meeting]:
    """``participant``'s meetings that one of the two sides called off from their agenda:
    shown on both agendas, cancelled, with the reason."""
    side = Meeting.government_id if participant.is_government else Meeting.partner_id
    query = (
        db.select(Meeting)
        .where(side == participant.id, Meeting.status == MeetingStatus.CANCELLED,
               Meeting.cancelled_by_id.is_not(None))
        .options(*MEETING_PEOPLE)
        .order_by(Meeting.slot_index)
    )  # fmt: skip
    return list(db.session.execute(query).scalars())
