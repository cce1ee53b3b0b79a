"""The event's days reach the solver, so drafted agendas are compact within each day."""

from __future__ import annotations

from matchmaker.extensions import db
from matchmaker.services import scheduling
from tests.factories import approve, create_event, create_participant

SLOTS_PER_DAY = 12  # 09:00-13:00 in 20-minute slots


def test_build_problem_gives_the_day_of_each_slot(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=2)
    problem = scheduling.build_problem(event, [], [])
    assert problem.day_of_slot == [1] * SLOTS_PER_DAY + [2] * SLOTS_PER_DAY


def test_a_drafted_agenda_has_no_idle_slots_and_tables_are_shared_out(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=2, num_tables=4)
    official = create_participant(event, "government")
    partners = [create_participant(event, "partner") for _ in range(5)]
    for partner in partners:
        approve(event, official, partner)
    report = scheduling.draft_schedule(event)
    db.session.commit()
    meetings = scheduling.list_meetings(event)
    assert sorted(m.slot_index for m in meetings) == [0, 1, 2, 3, 4]
    assert (report.idle_gaps, report.people_with_gaps) == (0, 0)
    # even use first (each table once), then the official stays at table 3 for the fifth
    tables = [m.table_number for m in sorted(meetings, key=lambda m: m.slot_index)]
    assert tables == [0, 1, 2, 3, 3]
    assert report.table_spread == 1
