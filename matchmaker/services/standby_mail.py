"""The mail telling both people of a standby offer (only when mail is set up): each reads it
in their account's language, or in the congress's three languages when that is not known.
Each offer is claimed, sent and marked in one transaction, so it is mailed once."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from matchmaker.config import UI_LANGUAGES
from matchmaker.extensions import db
from matchmaker.models import Event, Participant, StandbyOffer
from matchmaker.models.standby import StandbyState
from matchmaker.orm import utcnow
from matchmaker.services.mail import Mail, check_address, clean_header, send_mail
from matchmaker.services.reminders import reader_language


def _due() -> tuple[object, ...]:
    return (StandbyOffer.state == StandbyState.OFFERED, StandbyOffer.mailed_at.is_(None))


def list_due_offer_mail() -> list[int]:
    """Ids of the open offers nobody was mailed about yet."""
    query = db.select(StandbyOffer.id).where(*_due()).order_by(StandbyOffer.id)
    return list(db.session.execute(query).scalars())


def claim_offer_mail(offer_id: int) -> StandbyOffer | None:
    """The offer, locked for this sender until the caller commits, if its mail is still due
    (the same update-as-claim as ``reminders.claim_reminder``)."""
    claimed = db.session.execute(
        db.update(StandbyOffer)
        .where(StandbyOffer.id == offer_id, *_due())
        .values(mailed_at=StandbyOffer.mailed_at)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return db.session.get(StandbyOffer, offer_id, populate_existing=True)


def send_offer_mail(offer: StandbyOffer, smtp_url: str, sender: str, base_url: str = "") -> None:
    """Mail both people of the offer, then mark it mailed. Raises what send_mail raises."""
    event = db.session.get_one(Event, offer.event_id)
    sides = ((offer.present, offer.candidate), (offer.candidate, offer.present))
    mails = [offer_mail(event, offer, me, other, base_url) for me, other in sides]
    for mail in mails:  # both built before either is sent: a bad address sends neither
        send_mail(smtp_url, sender, mail)
    offer.mailed_at = utcnow()
    db.session.flush()


def offer_mail(
    event: Event, offer: StandbyOffer, me: Participant, other: Participant, base_url: str = ""
) -> Mail:
    """The offer as ``me`` reads it: who, which table, and where to accept."""
    language = reader_language(me)
    titles, paragraphs = [], []
    agenda = f"{base_url.rstrip('/')}/me/agenda" if base_url else ""
    for code in (language,) if language else UI_LANGUAGES:
        with force_locale(code):
            titles.append(_("Reunión disponible ahora"))
            text = _(
                "Puedes reunirte ahora mismo con %(name)s (%(organisation)s) en la mesa "
                "%(table)d: su otra reunión de este turno no se celebró. La primera persona "
                "que acepte se queda con la mesa.",
                name=clean_header(other.name),
                organisation=clean_header(other.organisation),
                table=offer.table_number + 1,
            )
            if agenda:
                text += "\n" + _("Acepta o rechaza en tu agenda: %(link)s", link=agenda)
            paragraphs.append(text)
    subject = f"{event.name}: {' / '.join(titles)} — {clean_header(other.name)}"
    body = f"{clean_header(me.name)}:\n\n" + "\n\n".join(paragraphs) + "\n"
    return Mail(to=[check_address(me.email)], subject=subject, body=body)
