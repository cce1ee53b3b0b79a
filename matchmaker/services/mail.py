"""Outgoing email over SMTP (MATCHMAKER_SMTP_URL), or nowhere when none is configured."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)


@dataclass
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "text/calendar"


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


class MailNotConfigured(RuntimeError):
    pass


def send_mail(smtp_url: str, sender: str, mail: Mail) -> None:
    """Send one message; smtp://, smtps:// or smtp+starttls://user:password@host:port."""
    if not smtp_url:
        raise MailNotConfigured("no SMTP server configured (MATCHMAKER_SMTP_URL)")
    url = urlsplit(smtp_url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, ", ".join(mail.to), mail.subject
    message.set_content(mail.body)
    for attachment in mail.attachments:
        maintype, subtype = attachment.mime_type.split("/", 1)
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    with smtp_class(url.hostname or "localhost", url.port or 25, timeout=30) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)
    log.info("sent %r to %s", mail.subject, mail.to)
