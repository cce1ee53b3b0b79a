"""Interpreters: validation, what the solver is told, what the scheduler stores, the database's
guard against one interpreter in two meetings at once, and re-staffing when a meeting moves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import Event, Interpreter, Meeting, Participant
from matchmaker.services import interpreters, scheduling
from matchmaker.services.interpreters import InterpreterChanges, InterpreterRejected
from tests.factories import approve, create_event, create_participant

SLOTS = 12  # one day, 09:00-13:00 in 20-minute slots


@dataclass
class World:
    event: Event
    spanish: Participant  # an official who speaks Spanish only
    english: Participant  # a partner who speaks English only
    both: Participant  # a partner who speaks Spanish and English


def changes(name: str = "Ana Ruiz", languages: tuple[str, ...] = ("es", "en"),
            present: range | list[int] = range(SLOTS), email: str = "") -> InterpreterChanges:  # fmt: skip
    return InterpreterChanges(name=name, email=email, languages=languages, present_slots=present)


@pytest.fixture
def world(app_ctx) -> World:  # type: ignore[no-untyped-def]
    event = create_event(days=1, num_tables=2)
    world = World(
        event=event,
        spanish=create_participant(event, "government", languages=["es"]),
        english=create_participant(event, "partner", languages=["en"]),
        both=create_participant(event, "partner", languages=["es", "en"]),
    )
    db.session.commit()
    return world


def count_interpreters() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Interpreter)).scalar_one()


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("bad", "field", "code"),
    [
        (changes(name="   "), "name", "required"),
        (changes(name="x" * 201), "name", "required"),
        (changes(languages=("es",)), "languages", "too_few"),
        (changes(languages=("es", "es")), "languages", "too_few"),
        (changes(languages=("es", "xx")), "languages", "unknown"),
        (changes(email="not an address"), "email", "invalid"),
        (changes(present=[0, SLOTS]), "present", "unknown_slot"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    world: World, bad: InterpreterChanges, field: str, code: str
) -> None:
    with pytest.raises(InterpreterRejected) as refused:
        interpreters.create_interpreter(world.event, bad)
    db.session.rollback()
    assert (refused.value.field, refused.value.code) == (field, code)
    assert count_interpreters() == 0


def test_an_unknown_code_is_named(world: World) -> None:
    with pytest.raises(InterpreterRejected) as refused:
        interpreters.create_interpreter(world.event, changes(languages=("es", "zz", "qq")))
    assert refused.value.data == {"codes": "qq, zz"}


def test_create_stores_clean_values_and_absences(world: World) -> None:
    added = interpreters.create_interpreter(
        world.event,
        changes(name="  Ana   Ruiz ", languages=("fr", "en", "es"), present=[0, 1, 2],
                email="ana@example.org"),
    )  # fmt: skip
    db.session.commit()
    assert added.name == "Ana Ruiz" and added.email == "ana@example.org"
    assert added.languages == ["es", "en", "fr"]  # the working languages first
    assert added.unavailable == list(range(3, SLOTS))
    assert interpreters.list_interpreters(world.event) == [added]


def test_update_keeps_absences_beyond_the_calendar(world: World) -> None:
    added = interpreters.create_interpreter(world.event, changes())
    added.unavailable = [SLOTS + 3]  # a day the organiser removed, and may add back
    interpreters.update_interpreter(added, changes(present=range(1, SLOTS)))
    assert added.unavailable == [0, SLOTS + 3]


def test_interpreters_of_another_event_are_not_found(world: World) -> None:
    other = create_event(days=1)
    theirs = interpreters.create_interpreter(other, changes())
    assert interpreters.get_interpreter(world.event, theirs.id) is None
    assert interpreters.get_interpreter(other, theirs.id) is theirs


# --------------------------------------------------------------------------- the solver's view


def test_build_problem_passes_languages_interpreters_and_fixed_interpreters(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes(present=[2, 3]))
    meeting = add_meeting(world, world.spanish, world.english, slot=2, interpreter=ana)
    problem = scheduling.build_problem(world.event, [], [meeting])
    assert problem.governments[str(world.spanish.id)].languages == frozenset({"es"})
    assert problem.partners[str(world.both.id)].languages == frozenset({"es", "en"})
    [solver_ana] = problem.interpreters
    assert solver_ana.id == str(ana.id)
    assert solver_ana.languages == frozenset({"es", "en"})
    assert solver_ana.available == frozenset({2, 3})
    assert problem.fixed[0].interpreter == str(ana.id)


# --------------------------------------------------------------------------- scheduling


def test_draft_stores_the_interpreter_of_a_pair_without_a_common_language(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes())
    approve(world.event, world.spanish, world.english)
    approve(world.event, world.spanish, world.both)
    report = scheduling.draft_schedule(world.event)
    db.session.commit()
    by_partner = {m.partner_id: m for m in scheduling.list_meetings(world.event)}
    assert by_partner[world.english.id].interpreter_id == ana.id
    assert by_partner[world.both.id].interpreter_id is None  # they share Spanish
    assert report.interpreted == 1 and report.unstaffed == []
    assert interpreters.list_unstaffed_meetings(world.event) == []


def test_meetings_nobody_can_staff_are_reported_by_name(world: World) -> None:
    # Ana works one slot only, and two meetings need her: one is left without.
    ana = interpreters.create_interpreter(world.event, changes(present=[5]))
    other = create_participant(world.event, "government", languages=["es"])
    approve(world.event, world.spanish, world.english)
    approve(world.event, other, world.english)
    report = scheduling.draft_schedule(world.event)
    db.session.commit()
    meetings = scheduling.list_meetings(world.event)
    assert sorted(m.interpreter_id or 0 for m in meetings) == [0, ana.id]
    assert len(report.unstaffed) == 1
    [unstaffed] = interpreters.list_unstaffed_meetings(world.event)
    assert unstaffed.interpreter_id is None and unstaffed.partner.id == world.english.id
    assert interpreters.is_unstaffed(unstaffed)


def test_a_late_booking_gets_an_interpreter(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes(present=[7]))
    approve(world.event, world.spanish, world.english)
    outcome = scheduling.book_pair(world.event, world.spanish.id, world.english.id)
    db.session.commit()
    assert outcome.status == "booked" and outcome.meeting is not None
    assert (outcome.meeting.slot_index, outcome.meeting.interpreter_id) == (7, ana.id)


def test_a_run_for_new_pairs_staffs_kept_meetings_once_an_interpreter_exists(
    world: World,
) -> None:
    approve(world.event, world.spanish, world.english)
    scheduling.draft_schedule(world.event)
    db.session.commit()
    [meeting] = scheduling.list_meetings(world.event)
    assert meeting.interpreter_id is None
    ana = interpreters.create_interpreter(world.event, changes())
    scheduling.draft_schedule(world.event, unbooked_only=True)
    db.session.commit()
    assert db.session.get_one(Meeting, meeting.id).interpreter_id == ana.id


# --------------------------------------------------------------------------- database guard


def add_meeting(world: World, government: Participant, partner: Participant, slot: int,
                interpreter: Interpreter | None, table: int = 0,
                status: str = "draft") -> Meeting:  # fmt: skip
    meeting = Meeting(event_id=world.event.id, government_id=government.id,
                      partner_id=partner.id, slot_index=slot, table_number=table, status=status,
                      interpreter_id=interpreter.id if interpreter else None)  # fmt: skip
    db.session.add(meeting)
    db.session.flush()
    return meeting


def test_the_database_refuses_one_interpreter_in_two_meetings_at_once(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes())
    other = create_participant(world.event, "government", languages=["es"])
    add_meeting(world, world.spanish, world.english, slot=4, interpreter=ana)
    db.session.commit()
    with pytest.raises(IntegrityError):
        add_meeting(world, other, world.english, slot=4, interpreter=ana, table=1)
    db.session.rollback()


def test_cancelled_meetings_and_meetings_without_interpreter_do_not_clash(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes())
    other = create_participant(world.event, "government", languages=["es"])
    add_meeting(world, world.spanish, world.english, slot=4, interpreter=ana, status="cancelled")
    add_meeting(world, other, world.english, slot=4, interpreter=ana, table=1)
    add_meeting(world, world.spanish, world.both, slot=6, interpreter=None)
    third = create_participant(world.event, "partner", languages=["en"])
    add_meeting(world, other, third, slot=6, interpreter=None, table=1)
    db.session.commit()
    assert len(scheduling.list_meetings(world.event)) == 3


# --------------------------------------------------------------------------- changes


def test_moving_a_meeting_restaffs_it_at_the_new_slot(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes(name="Ana", present=[0, 1]))
    bea = interpreters.create_interpreter(world.event, changes(name="Bea", present=[3]))
    meeting = add_meeting(world, world.spanish, world.english, slot=0, interpreter=ana)
    db.session.commit()
    scheduling.move_meeting(meeting, 1)  # Ana works then too: she stays
    assert meeting.interpreter_id == ana.id
    scheduling.move_meeting(meeting, 3)  # only Bea works then
    assert meeting.interpreter_id == bea.id
    scheduling.move_meeting(meeting, 5)  # nobody works then
    db.session.commit()
    assert meeting.interpreter_id is None
    assert interpreters.list_unstaffed_meetings(world.event) == [meeting]


def test_moving_next_to_a_busy_interpreter_takes_another_or_none(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes(name="Ana"))
    other = create_participant(world.event, "government", languages=["es"])
    busy = add_meeting(world, other, world.both, slot=2, interpreter=None)
    busy.interpreter_id = ana.id  # Ana is taken at slot 2 (say, by hand)
    meeting = add_meeting(world, world.spanish, world.english, slot=0, interpreter=ana, table=1)
    db.session.commit()
    scheduling.move_meeting(meeting, 2)
    db.session.commit()  # no IntegrityError: the move did not take Ana along
    assert meeting.interpreter_id is None


def test_deleting_an_interpreter_keeps_the_meetings(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes())
    meeting = add_meeting(world, world.spanish, world.english, slot=0, interpreter=ana)
    db.session.commit()
    assert interpreters.meeting_counts(world.event) == {ana.id: 1}
    assert interpreters.delete_interpreter(ana) == 1
    db.session.commit()
    assert db.session.get_one(Meeting, meeting.id).interpreter_id is None
    assert count_interpreters() == 0


def test_dropping_a_language_releases_the_meetings_it_served(world: World) -> None:
    ana = interpreters.create_interpreter(world.event, changes(languages=("es", "en", "pt")))
    meeting = add_meeting(world, world.spanish, world.english, slot=0, interpreter=ana)
    db.session.commit()
    assert interpreters.update_interpreter(ana, changes(languages=("es", "en"))) == 0
    assert meeting.interpreter_id == ana.id
    assert interpreters.update_interpreter(ana, changes(languages=("es", "pt"))) == 1
    db.session.commit()
    assert db.session.get_one(Meeting, meeting.id).interpreter_id is None
