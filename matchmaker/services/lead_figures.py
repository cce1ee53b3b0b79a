"""What organisers ask first: how many approved pairs got a meeting, who has none, how the
meeting requests were answered and how the meetings went.

Every figure is an SQL aggregate (a page at 20,000 participants costs the same few queries as
one at 20); only the first names of the people without a meeting are loaded.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, MeetingRequest, Participant
from matchmaker.models.meeting import LIVE, MeetingStatus
from matchmaker.orm import as_utc, utcnow
from matchmaker.services.scheduling import count_schedulable_pairs, count_unbooked_pairs
from matchmaker.services.versions import remember

#: People without a meeting named on the dashboard; the rest are counted.
NAMES_SHOWN = 50
#: Requests that got an answer from their recipient (a withdrawn one was never answered).
ANSWERED = ("accepted", "declined")


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``; no ratio when the whole is zero (nothing to divide)."""

    part: int
    whole: int

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class PersonRef:
    """A participant as a list of names shows them."""

    id: int
    name: str
    organisation: str


@dataclass(frozen=True)
class WithoutMeetings:
    """How many participants of one side have no meeting at all, and the first of them."""

    count: int
    first: list[PersonRef]

    @property
    def more(self) -> int:
        """How many are counted but not named."""
        return self.count - len(self.first)


@dataclass(frozen=True)
class RequestFigures:
    """Meeting requests by how they stand (an overdue pending one counts as expired)."""

    total: int = 0
    accepted: int = 0
    declined: int = 0
    waiting: int = 0
    expired: int = 0
    withdrawn: int = 0
    #: The median time from asking to answering, over answered requests; None without any.
    median_answer_seconds: float | None = None

    @property
    def accepted_share(self) -> Share:
        return Share(self.accepted, self.total)

    @property
    def declined_share(self) -> Share:
        return Share(self.declined, self.total)


@dataclass(frozen=True)
class MeetingFigures:
    """Meetings by status: booked (every live one), held, missed and cancelled."""

    booked: int = 0
    held: int = 0
    no_shows: int = 0
    cancelled: int = 0

    @property
    def no_show_share(self) -> Share:
        """No-shows among the meetings whose outcome was reported."""
        return Share(self.no_shows, self.held + self.no_shows)


@dataclass(frozen=True)
class LeadFigures:
    """The dashboard's lead figures."""

    pairs_booked: Share
    officials_without: WithoutMeetings
    partners_without: WithoutMeetings
    requests: RequestFigures
    meetings: MeetingFigures


def build_lead_figures(
    event: Event, now: datetime | None = None, version: tuple[object, ...] | None = None
) -> LeadFigures:
    """Every lead figure of ``event`` (requests overdue at ``now`` count as expired).

    They are kept until the pairs, meetings, requests or people change; requests expire
    with the clock, so the kept tally holds the pending ones' deadlines and each call counts
    those passed at ``now``. ``version``: of LEAD_DATA, if the caller has it."""
    booked, officials, partners, meetings, requests = remember(
        "lead-figures",
        event,
        LEAD_DATA,
        lambda: (
            count_booked_pairs(event),
            list_without_meetings(event, "government", NAMES_SHOWN),
            list_without_meetings(event, "partner", NAMES_SHOWN),
            summarise_meetings(event),
            tally_requests(event),
        ),
        version,
    )
    return LeadFigures(booked, officials, partners, requests.at(now or utcnow()), meetings)


#: What the kept figures count: approved pairs less blocked ones, meetings, requests and the
#: people named (the event's settings are in every version). The dashboard's own figures
#: count the same parts, so one version query serves both.
LEAD_DATA = ("participants", "requests", "approvals", "blocks", "meetings")


def count_booked_pairs(event: Event) -> Share:
    """Approved pairs (no organiser rule blocking them) that have a live meeting."""
    approved = count_schedulable_pairs(event)
    return Share(approved - count_unbooked_pairs(event), approved)


def list_without_meetings(event: Event, kind: str, limit: int = NAMES_SHOWN) -> WithoutMeetings:
    """Participants of ``kind`` with no live meeting: the count and the first ``limit`` by
    name, in one query (the count rides along each row as a window)."""
    side = Meeting.government_id if kind == "government" else Meeting.partner_id
    met = db.select(Meeting.id).where(side == Participant.id, Meeting.status.in_(LIVE))
    query = (
        db.select(Participant.id, Participant.name, Participant.organisation,
                  func.count().over())
        .where(Participant.event_id == event.id, Participant.kind == kind, ~met.exists())
        .order_by(Participant.name, Participant.id)
        .limit(limit)
    )  # fmt: skip
    rows = db.session.execute(query).all()
    first = [PersonRef(row[0], row[1], row[2]) for row in rows]
    return WithoutMeetings(rows[0][3] if rows else 0, first)


def summarise_requests(event: Event, now: datetime | None = None) -> RequestFigures:
    """Requests by effective status, and the median time to answer one."""
    return tally_requests(event).at(now or utcnow())


@dataclass(frozen=True)
class RequestTally:
    """Requests counted by stored status, with the deadlines of the pending ones: the
    figures at any later moment without reading the requests again."""

    by_status: tuple[tuple[str, int], ...]
    #: When each pending request with a deadline expires, in order.
    pending_deadlines: tuple[datetime, ...]
    median_answer_seconds: float | None

    def at(self, moment: datetime) -> RequestFigures:
        """The figures at ``moment``: a pending request past its deadline counts as expired
        (the periodic expiry marks it so a few minutes later)."""
        counts = dict(self.by_status)
        overdue = bisect.bisect_right(self.pending_deadlines, as_utc(moment))
        return RequestFigures(
            total=sum(counts.values()),
            accepted=counts.get("accepted", 0),
            declined=counts.get("declined", 0),
            waiting=counts.get("pending", 0) - overdue,
            expired=counts.get("expired", 0) + overdue,
            withdrawn=counts.get("withdrawn", 0),
            median_answer_seconds=self.median_answer_seconds,
        )


def tally_requests(event: Event) -> RequestTally:
    rows = db.session.execute(
        db.select(MeetingRequest.status, func.count())
        .where(MeetingRequest.event_id == event.id)
        .group_by(MeetingRequest.status)
    ).all()
    deadlines = db.session.execute(
        db.select(MeetingRequest.expires_at)
        .where(MeetingRequest.event_id == event.id, MeetingRequest.status == "pending",
               MeetingRequest.expires_at.is_not(None))
        .order_by(MeetingRequest.expires_at)
    ).scalars()  # fmt: skip
    return RequestTally(
        by_status=tuple((status, int(n)) for status, n in rows),
        pending_deadlines=tuple(as_utc(moment) for moment in deadlines),
        median_answer_seconds=_median_answer_seconds(event),
    )


def _median_answer_seconds(event: Event) -> float | None:
    """The median of (answered - asked) over answered requests, ranked in the database: the
    middle row (or the mean of the middle two) of the answers in order of their delay."""
    delay = _answer_delay()
    ranked = (
        db.select(
            delay.label("delay"),
            func.row_number().over(order_by=delay).label("rank"),
            func.count().over().label("total"),
        )
        .where(
            MeetingRequest.event_id == event.id,
            MeetingRequest.status.in_(ANSWERED),
            MeetingRequest.answered_at.is_not(None),
        )
        .subquery()
    )
    # Rank r is a middle one when total <= 2r <= total + 2 (one row if odd, two if even).
    middle = db.select(func.avg(ranked.c.delay)).where(
        ranked.c.rank * 2 >= ranked.c.total, ranked.c.rank * 2 <= ranked.c.total + 2
    )
    median = db.session.execute(middle).scalar()
    return None if median is None else max(0.0, float(median))


def _answer_delay() -> ColumnElement[Any]:
    """A request's answered-minus-asked time in seconds, in each database's date arithmetic."""
    asked, answered = MeetingRequest.created_at, MeetingRequest.answered_at
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", answered - asked)
    return (func.julianday(answered) - func.julianday(asked)) * 86400.0


def summarise_meetings(event: Event) -> MeetingFigures:
    """The event's meetings counted by status in one query."""
    rows = db.session.execute(
        db.select(Meeting.status, func.count())
        .where(Meeting.event_id == event.id)
        .group_by(Meeting.status)
    ).all()
    counts = {code: n for code, n in rows}
    return MeetingFigures(
        booked=sum(counts.get(code, 0) for code in LIVE),
        held=counts.get(MeetingStatus.HELD, 0),
        no_shows=counts.get(MeetingStatus.NO_SHOW, 0),
        cancelled=counts.get(MeetingStatus.CANCELLED, 0),
    )
