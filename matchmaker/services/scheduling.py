"""Scheduling stored events: approved pairs -> the solver -> meeting rows.

The database's unique indexes are the last line against double booking; these functions only
flush, and the task or view that calls them commits (and retries on a lost race).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from sqlalchemy import Select, or_

from matchmaker import background
from matchmaker.domain.progress import Progress
from matchmaker.domain.scheduling import (
    ApprovedPair,
    Attendee,
    Booking,
    ScheduleReport,
    SchedulingProblem,
    book_one,
    solve,
    staff,
)
from matchmaker.extensions import db
from matchmaker.models import Event, Job, MatchSuggestion, Meeting, Participant, User
from matchmaker.models.matching import SUGGESTION_PEOPLE
from matchmaker.models.meeting import LIVE, MEETING_PEOPLE, MOVABLE
from matchmaker.services import audit, jobs, notifications, webhooks
from matchmaker.services.decisions import find_suggestion, get_block, suggestion_is_blocked
from matchmaker.services.interpreters import is_unstaffed, list_interpreters, solver_interpreter


@dataclass
class BookingOutcome:
    """What happened to one pair: booked now, booked before, or why not."""

    status: str  # "booked", "already-booked", "no-free-slot", "not-approved"
    meeting: Meeting | None = None

    def describe(self) -> str:
        if self.meeting is None:
            return self.status
        return f"{self.status}: slot {self.meeting.slot_index}, table {self.meeting.table_number}"


def list_meetings(
    event: Event,
    statuses: tuple[str, ...] = LIVE,
    with_people: bool = False,
    slots: range | None = None,
) -> list[Meeting]:
    """The event's meetings in slot and table order (``with_people``: both sides loaded;
    ``slots``: only those in these slots, e.g. one day's)."""
    query = db.select(Meeting).where(Meeting.event_id == event.id, Meeting.status.in_(statuses))
    if slots is not None:
        query = query.where(Meeting.slot_index >= slots.start, Meeting.slot_index < slots.stop)
    if with_people:
        query = query.options(*MEETING_PEOPLE)
    return list(
        db.session.execute(query.order_by(Meeting.slot_index, Meeting.table_number)).scalars()
    )


@dataclass(frozen=True)
class PublishPreview:
    """What publishing would do: the drafts it publishes and how many people they involve."""

    meetings: int
    people: int


def publish_preview(event: Event) -> PublishPreview:
    drafts = (Meeting.event_id == event.id, Meeting.status == "draft")
    meetings = db.session.execute(db.select(db.func.count()).where(*drafts)).scalar_one()
    sides = db.union(
        db.select(Meeting.government_id.label("person")).where(*drafts),
        db.select(Meeting.partner_id.label("person")).where(*drafts),
    ).subquery()
    people = db.session.execute(db.select(db.func.count()).select_from(sides)).scalar_one()
    return PublishPreview(meetings, people)


def has_meetings(event: Event, statuses: tuple[str, ...]) -> bool:
    query = db.select(Meeting.id).where(Meeting.event_id == event.id, Meeting.status.in_(statuses))
    return db.session.execute(query.limit(1)).first() is not None


def meeting_status_counts(event: Event) -> dict[str, int]:
    """How many of the event's live meetings have each status (every live status listed)."""
    query = (
        db.select(Meeting.status, db.func.count())
        .where(Meeting.event_id == event.id, Meeting.status.in_(LIVE))
        .group_by(Meeting.status)
    )
    return {status: 0 for status in LIVE} | dict(db.session.execute(query).all())


def _schedulable(event: Event) -> Select[tuple[MatchSuggestion]]:
    """Approved suggestions that no organiser rule blocks."""
    return db.select(MatchSuggestion).where(
        MatchSuggestion.event_id == event.id,
        MatchSuggestion.status == "approved",
        ~suggestion_is_blocked(),
    )


def list_schedulable_pairs(event: Event) -> list[MatchSuggestion]:
    """Approved suggestions that no organiser rule blocks."""
    query = _schedulable(event).order_by(MatchSuggestion.id)
    return list(db.session.execute(query).scalars())


def count_schedulable_pairs(event: Event) -> int:
    query = db.select(db.func.count()).select_from(_schedulable(event).subquery())
    return db.session.execute(query).scalar_one()


def build_problem(
    event: Event,
    pairs: list[MatchSuggestion],
    fixed: list[Meeting],
    min_meetings_per_official: int = 0,
) -> SchedulingProblem:
    """The solver's view of the event; participants are named by their database ids."""
    num_slots = event.calendar().num_slots
    people = db.session.execute(
        db.select(Participant).where(Participant.event_id == event.id)
    ).scalars()
    governments: dict[str, Attendee] = {}
    partners: dict[str, Attendee] = {}
    for person in people:
        attendee = Attendee(
            id=str(person.id),
            cap=person.cap(),
            available=frozenset(range(num_slots)) - frozenset(person.unavailable),
            languages=frozenset(person.languages),
        )
        (governments if person.is_government else partners)[attendee.id] = attendee
    fixed_pairs = {(m.government_id, m.partner_id) for m in fixed}
    return SchedulingProblem(
        num_slots=num_slots,
        num_tables=event.num_tables,
        governments=governments,
        partners=partners,
        pairs=[
            ApprovedPair(str(s.government_id), str(s.partner_id), float(s.score))
            for s in pairs
            if (s.government_id, s.partner_id) not in fixed_pairs
        ],
        fixed=[_booking(m) for m in fixed],
        min_meetings_per_official=min_meetings_per_official,
        interpreters=[solver_interpreter(i, num_slots) for i in list_interpreters(event)],
        day_of_slot=[slot.day for slot in event.calendar().slots],
    )


def draft_schedule(
    event: Event,
    *,
    unbooked_only: bool = False,
    min_meetings_per_official: int = 0,
    progress: Progress | None = None,
) -> ScheduleReport:
    """Draft meetings for the approved pairs.

    A full run moves every meeting that has not taken place; ``unbooked_only`` keeps every
    existing meeting where it is and books only the pairs that have none.
    """
    keep = LIVE if unbooked_only else tuple(s for s in LIVE if s not in MOVABLE)
    fixed = list_meetings(event, keep)
    problem = build_problem(event, list_schedulable_pairs(event), fixed, min_meetings_per_official)
    result = solve(problem, progress=progress)
    if not unbooked_only:
        for meeting in list_meetings(event, MOVABLE):
            db.session.delete(meeting)
        db.session.flush()  # free the slots before the new rows take them
    suggestions = _suggestions_by_pair(event)
    for booking in result.bookings:
        db.session.add(_meeting(event, booking, suggestions))
    db.session.flush()
    if unbooked_only:  # the kept meetings may find an interpreter added since they were booked
        staff_kept_meetings(event)
    return result.report


def staff_kept_meetings(event: Event) -> int:
    """Give the meetings not yet held that need an interpreter and have none one who is free
    at their slot, where there is one (nobody moves); returns how many got one."""
    meetings = list_meetings(event, with_people=True)
    waiting = [m for m in meetings if m.status in MOVABLE and is_unstaffed(m)]
    if not waiting:
        return 0
    problem = build_problem(event, [], meetings)
    staffed = 0
    for meeting in waiting:
        booking = _booking(meeting)
        chosen = staff(problem, booking)
        if chosen is not None:
            meeting.interpreter_id = int(chosen)
            problem.fixed.append(replace(booking, interpreter=chosen))  # busy at that slot now
            staffed += 1
    db.session.flush()
    return staffed


def publish_schedule(event: Event) -> list[int]:
    """Publish every draft meeting; returns the ids of the meetings just published."""
    drafts = list_meetings(event, ("draft",))
    for meeting in drafts:
        meeting.status = "published"
    db.session.flush()
    notifications.notify_meetings(drafts, notifications.MEETING_BOOKED)  # one insert for all
    if drafts:
        webhooks.notify_meetings(event.id, "meeting.booked", drafts)  # one insert too
        webhooks.notify(event.id, "schedule.published", {"meetings": len(drafts)})
    return [m.id for m in drafts]


def start_draft(event: Event, actor: User | None, *, unbooked_only: bool,
                min_meetings: int = 0) -> Job:  # fmt: skip
    """Start drafting the schedule in a worker (the organiser's "Generar", on the page or
    the API): the job to follow, its log entry, and the task, sent once the caller commits."""
    job = jobs.create_job("schedule", event.id)
    audit.record("schedule.started", actor=actor, event_id=event.id, target=job,
                 unbooked_only=unbooked_only, min_meetings=min_meetings)  # fmt: skip
    background.enqueue("schedule_event", job.id, event.id, unbooked_only, min_meetings,
                       job_id=job.id)  # fmt: skip
    return job


def publish_now(event: Event, actor: User | None) -> tuple[Job, list[int]]:
    """Publish the drafts at once (the API's publish): the steps the page's confirmed publish
    has a worker take (workers/tasks.publish_event), recorded on a finished publish job that
    the schedule page lists, with the same log entry; the invitations are queued to go out
    after the caller commits. Returns the job and the ids of the meetings published."""
    job = jobs.create_job("publish", event.id)
    audit.record("schedule.publish", actor=actor, event_id=event.id, target=job)
    jobs.start_job(job)
    published = publish_for_job(job, event)
    background.enqueue("send_invitations", event.id)
    return job, published


def publish_for_job(job: Job, event: Event) -> list[int]:
    """Publish the drafts and finish the publish ``job`` with the count: the one step the
    page's worker task and the API's immediate publish share. Returns the meeting ids."""
    published = publish_schedule(event)
    jobs.finish_job(job, {"published": len(published)}, "published", meetings=len(published))
    return published


def book_pair(event: Event, government_id: int, partner_id: int) -> BookingOutcome:
    """Book one approved pair into the best free slot; no other meeting moves."""
    existing = _live_meeting(government_id, partner_id)
    if existing is not None:
        return BookingOutcome("already-booked", existing)
    suggestion = find_suggestion(event.id, government_id, partner_id)
    if (
        suggestion is None
        or suggestion.status != "approved"
        or get_block(government_id, partner_id) is not None
    ):
        return BookingOutcome("not-approved")
    problem = build_problem(event, [suggestion], list_meetings(event))
    if not problem.pairs:  # another worker booked the pair since we looked
        return BookingOutcome("already-booked", _live_meeting(government_id, partner_id))
    booking = book_one(problem, problem.pairs[0])
    if booking is None:
        return BookingOutcome("no-free-slot")
    meeting = _meeting(event, booking, {(government_id, partner_id): suggestion})
    # Draft until the organiser publishes, unless the event's schedule is already out.
    if has_meetings(event, ("published",)):
        meeting.status = "published"
    db.session.add(meeting)
    db.session.flush()  # the unique indexes decide a race here
    if meeting.status == "published":
        notifications.notify_meeting(meeting, notifications.MEETING_BOOKED)
        webhooks.notify_meetings(event.id, "meeting.booked", [meeting])
    return BookingOutcome("booked", meeting)


def record_late_booking(
    event: Event, government_id: int, partner_id: int, outcome: BookingOutcome
) -> None:
    """The organisers' log of a late approval's booking: where it went, or why it did not."""
    meeting = outcome.meeting
    if outcome.status == "booked" and meeting is not None:
        audit.record("meeting.booked-late", actor=None, event_id=event.id, target=meeting,
                     slot=meeting.slot_index, table=meeting.table_number)  # fmt: skip
    elif outcome.status == "no-free-slot":
        audit.record("pair.not-booked", actor=None, event_id=event.id, reason=outcome.status,
                     government_id=government_id, partner_id=partner_id)  # fmt: skip


def list_unbooked_pairs(event: Event, limit: int | None = None) -> list[MatchSuggestion]:
    """Approved, unblocked pairs with no meeting (the first ``limit``): after publishing,
    the ones no free slot could take (organisers see them on the schedule page)."""
    query = _unbooked(event).options(*SUGGESTION_PEOPLE).order_by(MatchSuggestion.id)
    return list(db.session.execute(query.limit(limit)).scalars())


def count_unbooked_pairs(event: Event) -> int:
    query = db.select(db.func.count()).select_from(_unbooked(event).subquery())
    return db.session.execute(query).scalar_one()


def _unbooked(event: Event) -> Select[tuple[MatchSuggestion]]:
    booked = db.select(Meeting.id).where(
        Meeting.government_id == MatchSuggestion.government_id,
        Meeting.partner_id == MatchSuggestion.partner_id,
        Meeting.status.in_(LIVE),
    )
    return _schedulable(event).where(~booked.exists())


class SlotTaken(ValueError):
    """The chosen slot is not free for both sides with a table open (any more)."""


def free_slots_for(meeting: Meeting) -> list[int]:
    """The slots a meeting could move to without moving anyone else: both sides present and
    free, and a table open."""
    event = meeting_event(meeting)
    others = db.select(Meeting.slot_index).where(
        Meeting.event_id == event.id, Meeting.status.in_(LIVE), Meeting.id != meeting.id
    )
    sides = or_(Meeting.government_id == meeting.government_id,
                Meeting.partner_id == meeting.partner_id)  # fmt: skip
    busy = set(db.session.execute(others.where(sides)).scalars())
    load = Counter(db.session.execute(others).scalars())
    absent = set(meeting.government.unavailable) | set(meeting.partner.unavailable)
    return [
        slot
        for slot in range(event.calendar().num_slots)
        if slot != meeting.slot_index
        and slot not in busy | absent
        and load[slot] < event.num_tables
    ]


def move_meeting(meeting: Meeting, slot: int, table: int | None = None) -> None:
    """Move the meeting to ``slot`` at ``table`` (0-based), or at its first open table;
    SlotTaken when that slot is not free (or that table is taken). A published meeting's
    invitation goes out again with the new time. A move racing another booking of the slot
    loses at the unique indexes (IntegrityError at the flush)."""
    if slot not in free_slots_for(meeting):
        raise SlotTaken(f"slot {slot} is not free for meeting {meeting.id}")
    event = meeting_event(meeting)
    open_tables = set(range(event.num_tables)) - taken_tables(event, slot)
    if table is not None and table not in open_tables:
        raise SlotTaken(f"table {table} is not open at slot {slot}")
    table = min(open_tables) if table is None else table
    # Staffed before the slot changes: a flush in between could hold the old interpreter at
    # the new slot, where they may be busy.
    problem = build_problem(event, [], list_meetings(event))
    interpreter = staff(problem, replace(_booking(meeting), slot=slot, table=table))
    meeting.slot_index, meeting.table_number = slot, table
    meeting.interpreter_id = int(interpreter) if interpreter is not None else None
    if meeting.status == "published":  # tell both sides the new time
        meeting.invitation_sent_at = None
        meeting.invitation_attempts, meeting.invitation_error = 0, ""
        notifications.notify_meeting(meeting, notifications.MEETING_MOVED)
    db.session.flush()
    if meeting.status == "published":
        webhooks.notify_meetings(meeting.event_id, "meeting.moved", [meeting])


def taken_tables(event: Event, slot: int) -> set[int]:
    """The tables (0-based) that live meetings hold at ``slot``."""
    query = db.select(Meeting.table_number).where(
        Meeting.event_id == event.id, Meeting.slot_index == slot, Meeting.status.in_(LIVE)
    )
    return set(db.session.execute(query).scalars())


def move_by_organiser(meeting: Meeting, slot: int, actor: User | None,
                      table: int | None = None) -> None:  # fmt: skip
    """An organiser moves the meeting (``move_meeting``, raising what it raises), logged;
    a published meeting's new invitation is queued to go out after the caller commits."""
    before = {"slot": meeting.slot_index, "table": meeting.table_number}
    move_meeting(meeting, slot, table)
    audit.record("meeting.moved", actor=actor, event_id=meeting.event_id, target=meeting,
                 **before, to_slot=slot, to_table=meeting.table_number)  # fmt: skip
    if meeting.status == "published":
        background.enqueue("send_invitations", meeting.event_id)


def meeting_event(meeting: Meeting) -> Event:
    return meeting_event_by_id(meeting.event_id)


def meeting_event_by_id(event_id: int) -> Event:
    return db.session.get_one(Event, event_id)


def _live_meeting(government_id: int, partner_id: int) -> Meeting | None:
    query = db.select(Meeting).where(
        Meeting.government_id == government_id,
        Meeting.partner_id == partner_id,
        Meeting.status.in_(LIVE),
    )
    return db.session.execute(query).scalar_one_or_none()


def _booking(meeting: Meeting) -> Booking:
    """The meeting as the solver sees it (with its interpreter, who is busy at its slot)."""
    interpreter = str(meeting.interpreter_id) if meeting.interpreter_id is not None else None
    return Booking(str(meeting.government_id), str(meeting.partner_id), meeting.slot_index,
                   meeting.table_number, interpreter)  # fmt: skip


def _suggestions_by_pair(event: Event) -> dict[tuple[int, int], MatchSuggestion]:
    query = db.select(MatchSuggestion).where(MatchSuggestion.event_id == event.id)
    return {(s.government_id, s.partner_id): s for s in db.session.execute(query).scalars()}


def _meeting(
    event: Event, booking: Booking, suggestions: dict[tuple[int, int], MatchSuggestion]
) -> Meeting:
    pair = (int(booking.government_id), int(booking.partner_id))
    suggestion = suggestions.get(pair)
    return Meeting(
        event_id=event.id,
        government_id=pair[0],
        partner_id=pair[1],
        suggestion_id=suggestion.id if suggestion else None,
        slot_index=booking.slot,
        table_number=booking.table,
        weight=suggestion.score if suggestion else 0.0,
        status="draft",
        interpreter_id=int(booking.interpreter) if booking.interpreter is not None else None,
    )
