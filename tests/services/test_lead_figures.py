"""The dashboard's lead figures: pairs booked, people without a meeting, how requests were
answered and how meetings went, zero cases included (nothing to divide by: no ratio)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from matchmaker.extensions import db
from matchmaker.models import BlockedPair, Event, Meeting, MeetingRequest, Participant
from matchmaker.services.lead_figures import (
    Share,
    build_lead_figures,
    count_booked_pairs,
    list_without_meetings,
    summarise_meetings,
    summarise_requests,
)
from tests.factories import approve, create_event, create_participant

NOW = datetime(2032, 3, 1, 12, 0, tzinfo=UTC)


def meeting(event: Event, government: Participant, partner: Participant, slot: int,
            status: str, table: int = 0) -> Meeting:  # fmt: skip
    row = Meeting(event_id=event.id, government_id=government.id, partner_id=partner.id,
                  slot_index=slot, table_number=table, status=status)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def request(event: Event, government: Participant, partner: Participant, status: str,
            asked: datetime, answered: datetime | None = None,
            expires: datetime | None = None) -> MeetingRequest:  # fmt: skip
    row = MeetingRequest(event_id=event.id, requester_id=government.id,
                         recipient_id=partner.id, government_id=government.id,
                         partner_id=partner.id, status=status, created_at=asked,
                         answered_at=answered, expires_at=expires)  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def test_an_event_without_anything_has_no_ratios_and_divides_by_nothing(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1)
    official = create_participant(event, "government", name="Ana Ruiz")
    figures = build_lead_figures(event, NOW)
    assert figures.pairs_booked == Share(0, 0) and figures.pairs_booked.ratio is None
    assert figures.requests.total == 0 and figures.requests.median_answer_seconds is None
    assert figures.requests.accepted_share.ratio is None
    assert figures.requests.declined_share.ratio is None
    assert figures.meetings.booked == figures.meetings.cancelled == 0
    assert figures.meetings.no_show_share.ratio is None
    assert figures.officials_without.count == 1
    assert [p.id for p in figures.officials_without.first] == [official.id]
    assert figures.partners_without.count == 0 and figures.partners_without.first == []


def test_approved_pairs_count_as_booked_only_with_a_live_meeting(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1)
    ana, bruno = (create_participant(event, "government") for _ in range(2))
    xolo, yara = (create_participant(event, "partner") for _ in range(2))
    approve(event, ana, xolo)
    approve(event, ana, yara)
    approve(event, bruno, xolo)
    meeting(event, ana, xolo, 0, "published")
    meeting(event, bruno, xolo, 1, "cancelled")  # called off: the pair has no meeting
    assert count_booked_pairs(event) == Share(1, 3)
    # A blocked pair can never be booked: it is not counted among the approved ones.
    db.session.add(BlockedPair(event_id=event.id, government_id=ana.id, partner_id=yara.id))
    db.session.flush()
    share = count_booked_pairs(event)
    assert share == Share(1, 2) and share.ratio == 0.5


def test_people_without_a_meeting_are_counted_and_the_first_named(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1)
    other = create_event(days=1, name="Other")
    met = create_participant(event, "government", name="Ana")
    only_cancelled = create_participant(event, "government", name="Carla")
    idle = create_participant(event, "government", name="Beto")
    partner = create_participant(event, "partner", name="Xolo")
    missed = create_participant(event, "partner", name="Yara")
    create_participant(other, "government", name="Zoe")  # another event's: not counted
    meeting(event, met, partner, 0, "no-show")  # a missed meeting is still a meeting booked
    meeting(event, only_cancelled, missed, 1, "cancelled")
    officials = list_without_meetings(event, "government")
    assert officials.count == 2 and officials.more == 0
    assert [p.name for p in officials.first] == ["Beto", "Carla"]  # by name
    assert officials.first[0].id == idle.id
    first_only = list_without_meetings(event, "government", limit=1)
    assert (first_only.count, len(first_only.first), first_only.more) == (2, 1, 1)
    partners = list_without_meetings(event, "partner")
    assert partners.count == 1 and [p.name for p in partners.first] == ["Yara"]


def test_requests_by_how_they_stand_and_the_median_time_to_answer(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1)
    officials = [create_participant(event, "government") for _ in range(6)]
    partner = create_participant(event, "partner")
    asked = NOW - timedelta(days=2)
    hours = timedelta(hours=1)
    request(event, officials[0], partner, "accepted", asked, asked + 1 * hours)
    request(event, officials[1], partner, "declined", asked, asked + 3 * hours)
    request(event, officials[2], partner, "accepted", asked, asked + 2 * hours)
    # Withdrawn: its time is not an answer's.
    request(event, officials[3], partner, "withdrawn", asked, asked + 20 * hours)
    request(event, officials[4], partner, "pending", asked, expires=NOW + hours)
    request(event, officials[5], partner, "pending", asked, expires=NOW - hours)  # overdue
    figures = summarise_requests(event, NOW)
    assert (figures.total, figures.accepted, figures.declined) == (6, 2, 1)
    assert (figures.waiting, figures.expired, figures.withdrawn) == (1, 1, 1)
    assert figures.accepted_share == Share(2, 6) and figures.declined_share.ratio == 1 / 6
    assert figures.median_answer_seconds is not None
    assert abs(figures.median_answer_seconds - 2 * 3600) < 1  # the middle of 1 h, 2 h, 3 h


def test_kept_request_figures_follow_the_clock_past_each_deadline(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1)
    partner = create_participant(event, "partner")
    hours = timedelta(hours=1)
    for offset in (1, 2, 2, None):  # deadlines in 1 h, twice in 2 h, and none
        official = create_participant(event, "government")
        expires = NOW + offset * hours if offset is not None else None
        request(event, official, partner, "pending", NOW - hours, expires=expires)
    db.session.commit()  # the figures are kept per version: nothing changes after this

    def standing(moment: datetime) -> tuple[int, int]:
        figures = build_lead_figures(event, moment).requests
        return figures.waiting, figures.expired

    assert standing(NOW) == (4, 0)
    assert standing(NOW + hours) == (3, 1)  # a deadline reached counts as expired
    assert standing(NOW + 2 * hours - timedelta(seconds=1)) == (3, 1)
    assert standing(NOW + 3 * hours) == (1, 3)
    assert standing(NOW) == (4, 0)


def test_the_median_of_an_even_number_of_answers_is_the_mean_of_the_middle_two(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1)
    partner = create_participant(event, "partner")
    asked = NOW - timedelta(days=3)
    for minutes in (10, 30, 90, 600):
        official = create_participant(event, "government")
        request(event, official, partner, "accepted", asked, asked + timedelta(minutes=minutes))
    median = summarise_requests(event, NOW).median_answer_seconds
    assert median is not None and abs(median - 60 * 60) < 1  # (30 + 90) / 2 minutes


def test_meetings_held_missed_and_cancelled(app_ctx) -> None:  # type: ignore[no-untyped-def]
    event = create_event(days=1)
    officials = [create_participant(event, "government") for _ in range(5)]
    partners = [create_participant(event, "partner") for _ in range(5)]
    for k, status in enumerate(["held", "held", "no-show", "cancelled", "draft"]):
        meeting(event, officials[k], partners[k], k, status)
    figures = summarise_meetings(event)
    assert (figures.booked, figures.held, figures.no_shows, figures.cancelled) == (4, 2, 1, 1)
    assert figures.no_show_share == Share(1, 3)
