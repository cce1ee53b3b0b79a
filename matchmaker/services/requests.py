"""Meeting requests (officials) and partnership proposals (partners): ask, answer, expire.

A pending request whose ``expires_at`` has passed counts as expired everywhere, even before
``expire_requests`` has marked it: ``effective_status`` says so, and every write checks it.
A request never outlives its event: it lapses at the end of the event's last day at the
latest (``request_deadline``), and once the event is over no new one can be made.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import joinedload

from matchmaker.extensions import db
from matchmaker.models import Event, MeetingRequest, Participant
from matchmaker.orm import as_utc, utcnow
from matchmaker.services import notifications, webhooks
from matchmaker.services.decisions import get_block

#: Longest message a request may carry.
MESSAGE_MAX = 1000


class RequestError(ValueError):
    """A request that cannot be made or answered; ``code`` names the rule for the UI."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def event_ends_at(event: Event) -> datetime | None:
    """Midnight at the end of the event's last day, on its clock (None without days)."""
    if not event.days:
        return None
    last = max(date.fromisoformat(day) for day in event.days)
    return datetime.combine(last + timedelta(days=1), time(), ZoneInfo(event.time_zone))


def event_is_over(event: Event, now: datetime | None = None) -> bool:
    """True once the event's last day has ended: requests make no sense any more."""
    ends = event_ends_at(event)
    return ends is not None and ends <= (now or utcnow())


def request_deadline(event: Event, created: datetime) -> datetime:
    """When a request made at ``created`` lapses: the event's expiry delay later, but never
    after the event has ended (an answer then could no longer be met)."""
    deadline = as_utc(created) + timedelta(hours=event.request_expiry_hours)
    ends = event_ends_at(event)
    return deadline if ends is None else min(deadline, ends.astimezone(deadline.tzinfo))


def is_expired(request: MeetingRequest, now: datetime | None = None) -> bool:
    """Pending and past its expiry time (or already marked expired)."""
    if request.status == "expired":
        return True
    return (
        request.status == "pending"
        and request.expires_at is not None
        and as_utc(request.expires_at) <= (now or utcnow())
    )


def effective_status(request: MeetingRequest, now: datetime | None = None) -> str:
    """The status as users should see it: an overdue pending request is expired."""
    return "expired" if is_expired(request, now) else request.status


def expire_requests(event_id: int, now: datetime | None = None) -> int:
    """Mark the event's overdue pending requests expired; returns how many."""
    moment = now or utcnow()
    overdue = db.session.execute(
        db.select(MeetingRequest).where(
            MeetingRequest.event_id == event_id,
            MeetingRequest.status == "pending",
            MeetingRequest.expires_at.is_not(None),
            MeetingRequest.expires_at <= moment,
        )
    ).scalars()
    count = 0
    for request in overdue:
        request.status = "expired"
        count += 1
    db.session.flush()
    return count


def _pair(a: Participant, b: Participant) -> tuple[Participant, Participant]:
    return (a, b) if a.is_government else (b, a)


def can_address(requester: Participant, recipient: Participant) -> bool:
    """Officials ask partners and partners ask officials, within one event."""
    return requester.event_id == recipient.event_id and requester.kind != recipient.kind


def create_request(
    requester: Participant, recipient: Participant, message: str = "", now: datetime | None = None
) -> MeetingRequest:
    """A pending request from ``requester`` to ``recipient``, expiring after the event's delay.

    Raises RequestError: ``not-allowed`` (same kind, other event or a blocked pair),
    ``event-over`` (the event's last day has ended), ``pending`` (an open request already
    exists between the two, either way), ``accepted`` (they agreed).
    The database holds the same rule (a unique index on the pair while pending): a request
    racing another one for the pair fails at the flush with IntegrityError, and run again
    (``matchmaker.transactions.commit_or_rerun``) it gets ``pending`` like any second request.
    """
    if not can_address(requester, recipient):
        raise RequestError("not-allowed")
    government, partner = _pair(requester, recipient)
    if get_block(government.id, partner.id) is not None:
        raise RequestError("not-allowed")
    moment = now or utcnow()
    if event_is_over(requester.event, moment):
        raise RequestError("event-over")
    expire_requests(requester.event_id, moment)  # frees the pending slot of an overdue one
    for existing in list_pair_requests(government.id, partner.id):
        if existing.status in ("pending", "accepted"):
            raise RequestError(existing.status)
    request = MeetingRequest(
        event_id=requester.event_id,
        requester_id=requester.id,
        recipient_id=recipient.id,
        government_id=government.id,
        partner_id=partner.id,
        message=message.strip()[:MESSAGE_MAX],
        status="pending",
        created_at=moment,
        expires_at=request_deadline(requester.event, moment),
    )
    db.session.add(request)
    db.session.flush()
    notifications.notify(recipient, notifications.REQUEST_NEW, other_id=requester.id,
                         request_id=request.id)  # fmt: skip
    webhooks.notify(request.event_id, "request.created", webhooks.request_data(request))
    return request


def answer_request(
    request: MeetingRequest, participant: Participant, accept: bool, now: datetime | None = None
) -> MeetingRequest:
    """The recipient accepts or declines a pending request.

    Raises RequestError: ``not-recipient``, ``expired`` or ``answered``, having changed
    nothing (an overdue request is marked expired by ``expire_requests``, which the periodic
    task and the next request for the pair run).
    """
    if request.recipient_id != participant.id:
        raise RequestError("not-recipient")
    moment = now or utcnow()
    if is_expired(request, moment):
        raise RequestError("expired")
    if request.status != "pending":
        raise RequestError("answered")
    request.status = "accepted" if accept else "declined"
    request.answered_at = moment
    db.session.flush()
    kind = notifications.REQUEST_ACCEPTED if accept else notifications.REQUEST_DECLINED
    notifications.notify(request.requester, kind, other_id=participant.id, request_id=request.id)
    webhooks.notify(request.event_id, "request.answered", webhooks.request_data(request))
    return request


def withdraw_request(
    request: MeetingRequest, participant: Participant, now: datetime | None = None
) -> MeetingRequest:
    """The requester takes back a request nobody has answered yet."""
    if request.requester_id != participant.id:
        raise RequestError("not-requester")
    if is_expired(request, now) or request.status != "pending":
        raise RequestError("answered")
    request.status = "withdrawn"
    request.answered_at = now or utcnow()
    db.session.flush()
    return request


def get_request_for(participant: Participant, request_id: int) -> MeetingRequest | None:
    """The request if ``participant`` sent or received it, else None (callers answer 404)."""
    request = db.session.get(MeetingRequest, request_id)
    if request is None or participant.id not in (request.requester_id, request.recipient_id):
        return None
    return request


def list_incoming(participant: Participant) -> list[MeetingRequest]:
    """Requests to ``participant``, newest first, each with its requester loaded."""
    query = (
        db.select(MeetingRequest)
        .where(MeetingRequest.recipient_id == participant.id)
        .options(joinedload(MeetingRequest.requester, innerjoin=True))
    )
    return list(db.session.execute(query.order_by(MeetingRequest.created_at.desc())).scalars())


def count_waiting(participant: Participant, now: datetime | None = None) -> int:
    """How many requests to ``participant`` still wait for an answer (pending, not overdue)."""
    moment = now or utcnow()
    query = db.select(db.func.count()).where(
        MeetingRequest.recipient_id == participant.id,
        MeetingRequest.status == "pending",
        db.or_(MeetingRequest.expires_at.is_(None), MeetingRequest.expires_at > moment),
    )
    return int(db.session.execute(query).scalar_one())


def list_outgoing(participant: Participant) -> list[MeetingRequest]:
    """Requests by ``participant``, newest first, each with its recipient loaded."""
    query = (
        db.select(MeetingRequest)
        .where(MeetingRequest.requester_id == participant.id)
        .options(joinedload(MeetingRequest.recipient, innerjoin=True))
    )
    return list(db.session.execute(query.order_by(MeetingRequest.created_at.desc())).scalars())


def list_pair_requests(government_id: int, partner_id: int) -> list[MeetingRequest]:
    query = db.select(MeetingRequest).where(
        MeetingRequest.government_id == government_id, MeetingRequest.partner_id == partner_id
    )
    return list(db.session.execute(query.order_by(MeetingRequest.id)).scalars())


def request_states(participant: Participant, now: datetime | None = None) -> dict[int, str]:
    """For each counterpart: the latest live state of their requests with ``participant``
    (``sent``, ``received`` or ``accepted``), so the UI does not offer to ask twice."""
    side = MeetingRequest.government_id if participant.is_government else MeetingRequest.partner_id
    other = MeetingRequest.partner_id if participant.is_government else MeetingRequest.government_id
    rows = db.session.execute(
        db.select(MeetingRequest, other).where(side == participant.id).order_by(MeetingRequest.id)
    ).all()
    states: dict[int, str] = {}
    for request, counterpart in rows:
        status = effective_status(request, now)
        if status == "accepted":
            states[counterpart] = "accepted"
        elif status == "pending" and states.get(counterpart) != "accepted":
            states[counterpart] = "sent" if request.requester_id == participant.id else "received"
    return states


def list_agreed_counterparts(participant: Participant) -> set[int]:
    """Everyone ``participant`` agreed to meet through an accepted request, either way."""
    side = MeetingRequest.government_id if participant.is_government else MeetingRequest.partner_id
    other = MeetingRequest.partner_id if participant.is_government else MeetingRequest.government_id
    query = db.select(other).where(side == participant.id, MeetingRequest.status == "accepted")
    return set(db.session.execute(query).scalars())
