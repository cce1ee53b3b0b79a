"""Mail about meeting requests: the recipient hears of a new one, the requester of the answer.

Each request records when each notice was sent, and only unsent notices are due, so the task
that sends them can be retried or run twice without mailing anyone twice.
"""

from __future__ import annotations

from matchmaker.dates import event_moment, zone_name
from matchmaker.extensions import db
from matchmaker.models import MeetingRequest, Participant
from matchmaker.orm import utcnow
from matchmaker.services.mail import Mail, send_mail
from matchmaker.services.requests import is_expired

NEW, ANSWER = "new", "answer"


def due_notices() -> list[tuple[int, str]]:
    """(request id, NEW or ANSWER) of every notice not sent yet, oldest first."""
    new = db.select(MeetingRequest.id).where(
        MeetingRequest.status == "pending", MeetingRequest.request_mailed_at.is_(None)
    )
    answered = db.select(MeetingRequest.id).where(
        MeetingRequest.status.in_(("accepted", "declined")),
        MeetingRequest.answer_mailed_at.is_(None),
    )
    due = [(request_id, NEW) for request_id in db.session.execute(new).scalars()]
    due += [(request_id, ANSWER) for request_id in db.session.execute(answered).scalars()]
    return sorted(due)


def send_notice(request: MeetingRequest, kind: str, smtp_url: str, sender: str,
                base_url: str) -> bool:  # fmt: skip
    """Mail one notice and mark it sent; False if it was sent already or is no longer news."""
    if kind == NEW:
        if request.request_mailed_at is not None or request.status != "pending":
            return False
        if not is_expired(request):
            send_mail(smtp_url, sender, new_request_mail(request, base_url))
        request.request_mailed_at = utcnow()
    else:
        if request.answer_mailed_at is not None or request.status not in ("accepted", "declined"):
            return False
        send_mail(smtp_url, sender, answer_mail(request, base_url))
        request.answer_mailed_at = utcnow()
    db.session.flush()
    return True


def _who(person: Participant) -> str:
    return f"{person.name} ({person.role_title}, {person.organisation})"


def _requests_page(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/me/requests"


def new_request_mail(request: MeetingRequest, base_url: str) -> Mail:
    """To the recipient, in the congress's three languages (theirs is not known here)."""
    asker, event = request.requester, request.requester.event
    # The deadline in each language's own words, on the event's clock.
    es, en, pt = (
        f"{event_moment(request.expires_at, event, code)} ({zone_name(event, code)})"
        if request.expires_at is not None
        else ""
        for code in ("es", "en", "pt")
    )
    quote = f'\n\n"{request.message}"' if request.message else ""
    body = (
        f"{_who(asker)}{quote}\n\n"
        f"Quiere reunirse contigo en {event.name}. Responde antes del {es}:\n"
        f"Wants to meet you at {event.name}. Please answer by {en}:\n"
        f"Quer se reunir com você em {event.name}. Responda até {pt}:\n\n"
        f"{_requests_page(base_url)}\n"
    )
    subject = f"{event.name}: {asker.name} — solicitud de reunión / meeting request"
    return Mail(to=[request.recipient.email], subject=subject, body=body)


def answer_mail(request: MeetingRequest, base_url: str) -> Mail:
    """To the requester: accepted (the organisers will schedule it) or declined."""
    answerer, event = request.recipient, request.recipient.event
    if request.status == "accepted":
        subject = f"{event.name}: {answerer.name} — aceptada / accepted / aceita"
        news = (
            "Aceptó tu solicitud: la organización la incluirá en la agenda.\n"
            "Accepted your request: the organisers will put it in the schedule.\n"
            "Aceitou seu pedido: a organização vai incluí-lo na agenda.\n"
        )
    else:
        subject = f"{event.name}: {answerer.name} — rechazada / declined / recusada"
        news = (
            "No aceptó tu solicitud esta vez.\n"
            "Declined your request this time.\n"
            "Não aceitou seu pedido desta vez.\n"
        )
    body = f"{_who(answerer)}\n\n{news}\n{_requests_page(base_url)}\n"
    return Mail(to=[request.requester.email], subject=subject, body=body)
