"""What the organisers' schedule page counts: meetings by status, the approved pairs and those
still without a meeting, the invitations sent, waiting and failed, and the meetings without an
interpreter. Computed once per version of the data it counts and kept in the web process, so
it holds plain data only (counts, names, ids); the few rows a page shows are loaded by id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from matchmaker.models import Event
from matchmaker.services import interpreters, meeting_mail, scheduling
from matchmaker.services.versions import remember

#: Unbooked pairs named on the schedule page; the rest are counted.
UNBOOKED_SHOWN = 50
#: What the figures depend on: approvals, blocks, meetings (their invitations included) and
#: the people's names and languages.
OVERVIEW_DATA = ("approvals", "blocks", "meetings", "participants")


class Side(NamedTuple):
    name: str
    organisation: str


class PairLeft(NamedTuple):
    government: Side
    partner: Side


@dataclass(frozen=True)
class ScheduleOverview:
    #: (status, count) for every live status, in the order of ``scheduling.LIVE``.
    status_counts: tuple[tuple[str, int], ...]
    #: Approved pairs the schedule can take.
    approved: int
    #: Once published, the pairs still without a meeting, and the first few of them named.
    unbooked_count: int
    unbooked: tuple[PairLeft, ...]
    invitations_sent: int
    invitations_waiting: int
    failed_invitation_ids: tuple[int, ...]
    unstaffed_ids: tuple[int, ...]

    @property
    def counts(self) -> dict[str, int]:
        """A fresh dict of ``status_counts`` (the kept overview is shared: never changed)."""
        return dict(self.status_counts)

    @property
    def published(self) -> bool:
        return bool(self.counts.get("published"))


def schedule_overview(event: Event) -> ScheduleOverview:
    """The event's overview, computed the first time after its data changed."""
    return remember("schedule-overview", event, OVERVIEW_DATA, lambda: _compute(event))


def _compute(event: Event) -> ScheduleOverview:
    counts = scheduling.meeting_status_counts(event)
    sent, waiting = meeting_mail.invitation_counts(event)
    unbooked_count, unbooked = (0, ()) if not counts.get("published") else _unbooked(event)
    return ScheduleOverview(
        status_counts=tuple(counts.items()),
        approved=scheduling.count_schedulable_pairs(event),
        unbooked_count=unbooked_count,
        unbooked=unbooked,
        invitations_sent=sent,
        invitations_waiting=waiting,
        failed_invitation_ids=meeting_mail.failed_invitation_ids(event),
        unstaffed_ids=interpreters.unstaffed_meeting_ids(event),
    )


def _unbooked(event: Event) -> tuple[int, tuple[PairLeft, ...]]:
    named = tuple(
        PairLeft(
            Side(p.government.name, p.government.organisation),
            Side(p.partner.name, p.partner.organisation),
        )
        for p in scheduling.list_unbooked_pairs(event, UNBOOKED_SHOWN)
    )
    return scheduling.count_unbooked_pairs(event), named
