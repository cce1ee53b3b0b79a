"""Interpreters of an event: declared by organisers, booked by the scheduler.

A meeting needs an interpreter when both sides declare languages and share none; the scheduler
staffs such meetings (``services.scheduling``), and the pages name the ones it could not staff.
These functions only flush; the view that calls them commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from matchmaker.domain.scheduling import Attendee, needs_interpreter
from matchmaker.domain.scheduling import Interpreter as SolverInterpreter
from matchmaker.domain.scheduling.interpreters import can_staff
from matchmaker.domain.vocabulary import ordered_languages
from matchmaker.extensions import db
from matchmaker.models import Event, Interpreter, Meeting, Participant
from matchmaker.models.meeting import LIVE, MEETING_PEOPLE
from matchmaker.services.mail import MailAddressError, check_address
from matchmaker.services.versions import remember

NAME_MAX = 200
#: An interpreter bridges two languages at least: one language alone helps no meeting.
MIN_LANGUAGES = 2


class InterpreterRejected(ValueError):
    """Invalid interpreter data; ``field`` names the form field at fault, ``code`` the reason
    (the edges turn it into words)."""

    def __init__(self, field: str, code: str, **data: str) -> None:
        super().__init__(f"{field}: {code} {data or ''}".rstrip())
        self.field = field
        self.code = code
        self.data = data


@dataclass(frozen=True)
class InterpreterChanges:
    """What the organiser's form says about an interpreter."""

    name: str
    email: str
    languages: Iterable[str]
    #: Slot indexes the interpreter attends; every other slot is stored as unavailable.
    present_slots: Iterable[int]


def list_interpreters(event: Event) -> list[Interpreter]:
    """The event's interpreters by name."""
    query = db.select(Interpreter).where(Interpreter.event_id == event.id)
    return list(db.session.execute(query.order_by(Interpreter.name, Interpreter.id)).scalars())


def get_interpreter(event: Event, interpreter_id: int) -> Interpreter | None:
    """The interpreter, if it is this event's."""
    interpreter = db.session.get(Interpreter, interpreter_id)
    return interpreter if interpreter is not None and interpreter.event_id == event.id else None


def create_interpreter(event: Event, changes: InterpreterChanges) -> Interpreter:
    """Add an interpreter; InterpreterRejected for bad data (nothing is added then)."""
    interpreter = Interpreter(event_id=event.id, unavailable=[])
    _apply(interpreter, event, changes)
    db.session.add(interpreter)
    db.session.flush()
    return interpreter


def update_interpreter(interpreter: Interpreter, changes: InterpreterChanges) -> int:
    """Change an interpreter. The live meetings they staff and no longer can (a language
    dropped, a slot they now miss) lose them; returns how many did."""
    event = db.session.get_one(Event, interpreter.event_id)
    _apply(interpreter, event, changes)
    staffer = solver_interpreter(interpreter, event.num_slots())
    query = (
        db.select(Meeting)
        .where(Meeting.interpreter_id == interpreter.id, Meeting.status.in_(LIVE))
        .options(*MEETING_PEOPLE)
    )
    released = 0
    for meeting in db.session.execute(query).scalars():
        government, partner = _speaker(meeting.government), _speaker(meeting.partner)
        if not can_staff(staffer, government, partner, meeting.slot_index):
            meeting.interpreter_id = None
            released += 1
    db.session.flush()
    return released


def solver_interpreter(interpreter: Interpreter, num_slots: int) -> SolverInterpreter:
    """The interpreter as the solver sees them (ids are strings there)."""
    present = frozenset(range(num_slots)) - frozenset(interpreter.unavailable)
    return SolverInterpreter(str(interpreter.id), frozenset(interpreter.languages), present)


def delete_interpreter(interpreter: Interpreter) -> int:
    """Remove an interpreter; their meetings stay, without interpreter. Returns how many
    live meetings lost their interpreter (they show as unstaffed until a new run)."""
    staffed = Meeting.interpreter_id == interpreter.id
    count = db.select(db.func.count()).select_from(Meeting)
    released = db.session.execute(count.where(staffed, Meeting.status.in_(LIVE))).scalar_one()
    # Explicit rather than left to ON DELETE SET NULL: meetings already loaded see it too.
    db.session.execute(db.update(Meeting).where(staffed).values(interpreter_id=None))
    db.session.delete(interpreter)
    db.session.flush()
    return int(released)


def _apply(interpreter: Interpreter, event: Event, changes: InterpreterChanges) -> None:
    """Validate every field, then write them all (nothing is written if one is bad)."""
    name = " ".join(changes.name.split())
    if not name or len(name) > NAME_MAX:
        raise InterpreterRejected("name", "required")
    email = changes.email.strip()
    if email:
        try:
            email = check_address(email)
        except MailAddressError:
            raise InterpreterRejected("email", "invalid") from None
    wanted = set(changes.languages)
    languages = ordered_languages(wanted)
    if len(languages) != len(wanted):
        unknown = sorted(wanted - set(languages))
        raise InterpreterRejected("languages", "unknown", codes=", ".join(unknown))
    if len(languages) < MIN_LANGUAGES:
        raise InterpreterRejected("languages", "too_few")
    num_slots = event.num_slots()
    present = set(changes.present_slots)
    if any(not 0 <= index < num_slots for index in present):
        raise InterpreterRejected("present", "unknown_slot")
    interpreter.name, interpreter.email, interpreter.languages = name, email or None, languages
    # Slots beyond today's calendar (days an organiser may add later) are kept as they were.
    interpreter.unavailable = sorted(
        {i for i in range(num_slots) if i not in present}
        | {i for i in interpreter.unavailable or [] if i >= num_slots}
    )


def lacks_common_language(government: Participant, partner: Participant) -> bool:
    """Whether a meeting of these two needs an interpreter (the solver's rule)."""
    return needs_interpreter(_speaker(government), _speaker(partner))


def _speaker(person: Participant) -> Attendee:
    return Attendee(str(person.id), 0, frozenset(), frozenset(person.languages))


def is_unstaffed(meeting: Meeting) -> bool:
    """A live meeting that needs an interpreter and has none."""
    return (
        meeting.interpreter_id is None
        and meeting.status in LIVE
        and lacks_common_language(meeting.government, meeting.partner)
    )


def list_unstaffed_meetings(event: Event) -> list[Meeting]:
    """The event's live meetings that need an interpreter and have none, in slot order."""
    unstaffed = remember(
        "unstaffed", event, ("meetings", "participants"), lambda: unstaffed_meeting_ids(event)
    )
    return meetings_by_id(unstaffed)


def meetings_by_id(ids: Collection[int]) -> list[Meeting]:
    """Those meetings with both people, in slot order."""
    if not ids:
        return []
    query = (
        db.select(Meeting)
        .where(Meeting.id.in_(ids))
        .options(*MEETING_PEOPLE)
        .order_by(Meeting.slot_index, Meeting.table_number)
    )
    return list(db.session.execute(query).scalars())


def unstaffed_meeting_ids(event: Event) -> tuple[int, ...]:
    """Which meetings those are, decided on ids and languages alone: each participant's
    languages read once, not once per meeting, and no meeting loaded whole."""
    candidates = db.session.execute(
        db.select(Meeting.id, Meeting.government_id, Meeting.partner_id).where(
            Meeting.event_id == event.id,
            Meeting.status.in_(LIVE),
            Meeting.interpreter_id.is_(None),
        )
    ).all()
    if not candidates:
        return ()
    languages = {
        person_id: frozenset(spoken or ())
        for person_id, spoken in db.session.execute(
            db.select(Participant.id, Participant.languages).where(Participant.event_id == event.id)
        )
    }
    return tuple(
        meeting_id
        for meeting_id, government_id, partner_id in candidates
        if _languages_need_interpreter(
            languages.get(government_id, frozenset()), languages.get(partner_id, frozenset())
        )
    )


def _languages_need_interpreter(a: frozenset[str], b: frozenset[str]) -> bool:
    return needs_interpreter(Attendee("a", 0, frozenset(), a), Attendee("b", 0, frozenset(), b))


def meeting_counts(event: Event) -> dict[int, int]:
    """How many live meetings each interpreter of the event staffs (those with none absent)."""
    query = (
        db.select(Meeting.interpreter_id, db.func.count())
        .where(
            Meeting.event_id == event.id,
            Meeting.status.in_(LIVE),
            Meeting.interpreter_id.is_not(None),
        )
        .group_by(Meeting.interpreter_id)
    )
    return {int(i): int(n) for i, n in db.session.execute(query).all()}
