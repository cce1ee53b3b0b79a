"""Outgoing email over SMTP (MATCHMAKER_SMTP_URL); without a server, sending is refused
(MailNotConfigured) and callers say so instead of pretending it went.

Header values come from participants' data (names, organisations, addresses) and the event's
name: a line break there would end the header and start another (``Bcc: …``). Subjects are
cleaned (line breaks and control characters become spaces) and every address is checked, so
no value can add a header. A message goes to all its recipients or to none of them.
"""

from __future__ import annotations

import logging
import re
import smtplib
import unicodedata
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

#: Connecting or talking to the server takes at most this long.
SMTP_TIMEOUT = 30


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


class MailAddressError(ValueError):
    """An address that cannot go into a header: this message cannot be sent as it is."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"invalid email address {address!r}: {reason}")
        self.address = address


class MailServerUnavailable(ConnectionError):
    """The server could not be reached or dropped the connection: a whole-batch condition,
    worth retrying later, not a fault of the message being sent."""


def clean_header(value: str) -> str:
    """One line: line breaks and other control characters become spaces, runs of spaces one."""
    if value.isprintable():  # none of those characters: only the spaces to fold (most text)
        return " ".join(value.split())
    return " ".join(
        "".join(" " if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in value)
        .split()
    )  # fmt: skip


#: A domain in its ASCII form: letters, digits and hyphens, labels separated by dots.
_HOST_NAME = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


def check_address(address: str) -> str:
    """The address as it goes into a header, or MailAddressError."""
    if any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") for c in address):
        raise MailAddressError(address, "it contains a line break or a control character")
    try:
        parsed = Address(addr_spec=address.strip())
    except Exception as exc:  # the parser raises many kinds (defects, IndexError, ValueError)
        raise MailAddressError(address, str(exc) or type(exc).__name__) from exc
    if not parsed.username or not parsed.domain:
        raise MailAddressError(address, "an address needs a name, an @ and a domain")
    if parsed.domain.isascii():
        return parsed.addr_spec
    try:  # an international domain travels in its ASCII form (IDNA)
        domain = parsed.domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise MailAddressError(address, f"the domain is not a valid name: {exc}") from exc
    if not _HOST_NAME.fullmatch(domain):
        raise MailAddressError(address, "the domain is not a valid name")
    return Address(username=parsed.username, domain=domain).addr_spec


def build_message(sender: str, mail: Mail) -> EmailMessage:
    """The message, with one-line headers; MailAddressError for an address that is not one."""
    recipients = [check_address(address) for address in mail.to]
    if not recipients:
        raise MailAddressError("", "a message needs at least one recipient")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = clean_header(mail.subject)
    message.set_content(mail.body)
    for attachment in mail.attachments:
        maintype, subtype = attachment.mime_type.split("/", 1)
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=clean_header(attachment.filename),
        )
    return message


class _AllOrNothing:
    """SMTP that sends a message to all its recipients or to none: when the server refuses
    one recipient it resets instead of sending to the others (smtplib would send to them),
    so trying the message again later sends nobody a second copy."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.refused: dict[str, tuple[int, bytes]] = {}
        super().__init__(*args, **kwargs)

    def rcpt(self, recip: str, options: Any = ()) -> tuple[int, bytes]:
        code, response = super().rcpt(recip, options)  # type: ignore[misc]
        if code not in (250, 251):
            self.refused[recip] = (code, response)
        return code, response  # type: ignore[no-any-return]

    def data(self, msg: Any) -> tuple[int, bytes]:
        if self.refused:
            self.rset()  # type: ignore[attr-defined]
            raise smtplib.SMTPRecipientsRefused(dict(self.refused))
        return super().data(msg)  # type: ignore[misc, no-any-return]


class _SMTP(_AllOrNothing, smtplib.SMTP):
    pass


class _SMTPSSL(_AllOrNothing, smtplib.SMTP_SSL):
    pass


def send_mail(smtp_url: str, sender: str, mail: Mail) -> None:
    """Send one message; smtp://, smtps:// or smtp+starttls://user:password@host:port.

    Raises MailNotConfigured without a server, MailServerUnavailable when the server cannot
    be reached (retry later), MailAddressError for an address that is not one, and smtplib's
    own errors when the server refuses the message or a recipient (nobody got it then).
    """
    if not smtp_url:
        raise MailNotConfigured("no SMTP server configured (MATCHMAKER_SMTP_URL)")
    message = build_message(sender, mail)
    url = urlsplit(smtp_url)
    smtp_class = _SMTPSSL if url.scheme == "smtps" else _SMTP
    host, port = url.hostname or "localhost", url.port or 25
    try:
        smtp = smtp_class(host, port, timeout=SMTP_TIMEOUT)
    except OSError as exc:  # refused, timed out, unknown host, no greeting (smtplib errors too)
        # Before the server has greeted us, any failure means it was not reached.
        raise MailServerUnavailable(f"cannot reach {host}:{port}: {exc}") from exc
    try:
        with smtp:
            if url.scheme == "smtp+starttls":
                smtp.starttls()
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(message)
    except smtplib.SMTPServerDisconnected as exc:
        raise MailServerUnavailable(f"{host}:{port} closed the connection: {exc}") from exc
    except smtplib.SMTPException:
        raise  # the server answered: it refused this message or a recipient
    except OSError as exc:  # the connection failed: reset, timed out, TLS broken
        raise MailServerUnavailable(f"{host}:{port}: {exc}") from exc
    log.info("sent %r to %s", message["Subject"], message["To"])
