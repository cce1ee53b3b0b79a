"""The organisers' figures: who is here, what they asked for, what was approved and booked."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from matchmaker.domain.scheduling import upper_bound
from matchmaker.domain.vocabulary import ORGANISATION_TYPES, THEMES
from matchmaker.extensions import db
from matchmaker.models import (
    Event,
    MatchSuggestion,
    Meeting,
    MeetingRequest,
    Participant,
)
from matchmaker.models.meeting import LIVE
from matchmaker.services.lead_figures import LEAD_DATA
from matchmaker.services.scheduling import build_problem, list_schedulable_pairs
from matchmaker.services.versions import data_version, remember

COLUMNS = ("participants", "requests", "approvals", "meetings")


@dataclass
class Dashboard:
    """Counts per theme and per organisation type, the meetings histogram and the bound gap.

    A request, approval or meeting counts under each of the official's themes (the challenge
    sets the subject) and under both sides' organisation types.
    """

    by_theme: dict[str, Counter[str]]
    by_type: dict[str, Counter[str]]
    totals: Counter[str]
    #: meetings -> how many officials have that many (0 included).
    meetings_per_official: dict[int, int] = field(default_factory=dict)
    scheduled_weight: float = 0.0
    bound: float = 0.0

    @property
    def gap(self) -> float | None:
        """How far the booked weight is below the best possible, as a fraction of it."""
        if self.bound <= 0:
            return None
        return max(0.0, (self.bound - self.scheduled_weight) / self.bound)


def build_dashboard(event: Event, version: tuple[object, ...] | None = None) -> Dashboard:
    """The event's figures, counted again only when what they count changes: every page view
    otherwise loads every participant, request, approval and meeting to count them.
    ``version``: of DASHBOARD_DATA, if the caller has it."""
    return remember("dashboard", event, DASHBOARD_DATA, lambda: count_figures(event), version)


#: What the figures count (approvals, blocks and participants are also the bound's inputs;
#: the event's settings are in every version): the lead figures' parts, so that the page
#: reads one version for both. Readers share the figures: nothing changes them once built.
DASHBOARD_DATA = LEAD_DATA


def count_figures(event: Event) -> Dashboard:
    """The figures counted from the rows (``build_dashboard`` keeps them)."""
    # Rows of the four columns counted, not whole participants: building hundreds of ORM
    # objects (descriptions and all) cost more than the counting.
    people = {
        p.id: p
        for p in db.session.execute(
            db.select(
                Participant.id, Participant.kind, Participant.themes, Participant.organisation_type
            ).where(Participant.event_id == event.id)
        )
    }
    by_theme: dict[str, Counter[str]] = {slug: Counter() for slug in THEMES}
    all_types = ORGANISATION_TYPES["government"] + ORGANISATION_TYPES["partner"]
    by_type: dict[str, Counter[str]] = {t: Counter() for t in all_types}
    totals: Counter[str] = Counter()

    def count(column: str, government_id: int, partner_id: int) -> None:
        government, partner = people.get(government_id), people.get(partner_id)
        if government is None or partner is None:
            return
        totals[column] += 1
        for theme in government.themes:
            by_theme.setdefault(theme, Counter())[column] += 1
        for side in (government, partner):
            by_type.setdefault(side.organisation_type, Counter())[column] += 1

    for person in people.values():
        totals["participants"] += 1
        for theme in person.themes:
            by_theme.setdefault(theme, Counter())["participants"] += 1
        by_type.setdefault(person.organisation_type, Counter())["participants"] += 1
    requests = db.select(MeetingRequest.government_id, MeetingRequest.partner_id).where(
        MeetingRequest.event_id == event.id
    )
    for government_id, partner_id in db.session.execute(requests).all():
        count("requests", government_id, partner_id)
    approvals = db.select(MatchSuggestion.government_id, MatchSuggestion.partner_id).where(
        MatchSuggestion.event_id == event.id, MatchSuggestion.status == "approved"
    )
    for government_id, partner_id in db.session.execute(approvals).all():
        count("approvals", government_id, partner_id)
    meetings = db.session.execute(
        db.select(Meeting.government_id, Meeting.partner_id, Meeting.weight).where(
            Meeting.event_id == event.id, Meeting.status.in_(LIVE)
        )
    ).all()
    per_official: Counter[int] = Counter()
    weight = 0.0
    for government_id, partner_id, meeting_weight in meetings:
        count("meetings", government_id, partner_id)
        per_official[government_id] += 1
        weight += meeting_weight
    histogram = Counter(per_official[p.id] for p in people.values() if p.kind == "government")
    # Every count from 0 to the most, so that a chart shows gaps as zero bars.
    complete = {n: histogram[n] for n in range(max(histogram, default=-1) + 1)}
    return Dashboard(
        by_theme=by_theme,
        by_type=by_type,
        totals=totals,
        meetings_per_official=complete,
        scheduled_weight=round(weight, 2),
        bound=round(schedule_bound(event), 2) if event.days else 0.0,
    )


def schedule_bound(event: Event) -> float:
    """The best total weight any schedule of the approved pairs could reach.

    Solving the relaxation takes seconds on a big event: the figure is kept per event and
    computed again only when what it depends on changes (``bound_inputs_version``)."""
    version = bound_inputs_version(event)
    with _BOUNDS_LOCK:
        cached = _BOUNDS.get(event.id)
    if cached is not None and cached[0] == version:
        return cached[1]
    pairs = list_schedulable_pairs(event)
    bound = float(upper_bound(build_problem(event, pairs, []))) if pairs else 0.0
    with _BOUNDS_LOCK:
        _BOUNDS[event.id] = (version, bound)
    return bound


#: event id -> (the version of the bound's inputs, the bound), per web process.
_BOUNDS: dict[int, tuple[tuple[object, ...], float]] = {}
_BOUNDS_LOCK = threading.Lock()


def bound_inputs_version(event: Event) -> tuple[object, ...]:
    """What the bound depends on: the event's settings, its participants (presence, caps),
    the approved pairs and the blocks (matchmaker.services.versions)."""
    return data_version(event, ("approvals", "blocks", "participants"))
