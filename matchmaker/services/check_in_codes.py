"""Check-in codes: one per participant per meeting, shown as a QR code on the agenda (page,
PDF, calendar). Staff at the meeting area scan it and that side of the meeting is checked in
(through ``matchmaker.services.live``, whose window and rules apply unchanged).

A code is a signed token (itsdangerous, the app's secret key and its own salt) naming the
meeting and the participant; the side follows from the participant, and a code whose person is
no longer on that meeting is refused. It cannot be guessed, and one meeting's code names no
other. The QR holds a link to the organisers' area under the configured public address: a
phone's camera app opens it for logged-in staff, and it is useless to anyone else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer

from matchmaker.domain.qr import make_qr, qr_svg
from matchmaker.extensions import db
from matchmaker.models import Meeting, Participant, User
from matchmaker.models.meeting import MEETING_PEOPLE
from matchmaker.services import live

_SALT = "matchmaker.check-in"
#: The path of the check-in link under the public address; the token follows it.
CHECK_IN_PATH = "organiser/live/check-in/"
#: A pasted or scanned code: the token alone, or any link ending in /check-in/<token>.
_TOKEN = re.compile(r"(?:^|/check-in/)([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)/?$")
#: Longer than any token this module makes: refused before any parsing.
MAX_CODE_CHARS = 500


@dataclass(frozen=True)
class CheckInLinks:
    """What building check-in links takes: the secret key and the public address."""

    secret_key: str
    base_url: str

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> CheckInLinks | None:
        """None without a public address: links that leave the app are never guessed from
        a request."""
        base = str(config.get("BASE_URL") or "")
        if not base:
            return None
        return cls(str(config["SECRET_KEY"]), base if base.endswith("/") else base + "/")

    def token(self, meeting: Meeting, participant: Participant) -> str:
        return check_in_token(meeting, participant, self.secret_key)

    def url(self, meeting: Meeting, participant: Participant) -> str:
        """The link a check-in QR code holds."""
        return f"{self.base_url}{CHECK_IN_PATH}{self.token(meeting, participant)}"


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def check_in_token(meeting: Meeting, participant: Participant, secret_key: str) -> str:
    """The signed code of ``participant``'s side of ``meeting``."""
    return str(_serializer(secret_key).dumps([meeting.id, participant.id]))


@dataclass(frozen=True)
class CodeTarget:
    """Whom a valid code checks in: a side of a meeting and the person on it."""

    meeting: Meeting
    participant: Participant
    side: str


def token_in(code: str) -> str | None:
    """The token in what a scanner read or someone pasted: a token or a check-in link."""
    text = code.strip()
    if not text or len(text) > MAX_CODE_CHARS:
        return None
    match = _TOKEN.search(text)
    return match.group(1) if match else None


def resolve_code(code: str, secret_key: str) -> CodeTarget | None:
    """The meeting side a code (token or link) names, or None for anything else: a bad or
    forged signature, a meeting that no longer exists, or a person no longer on it."""
    token = token_in(code)
    if token is None:
        return None
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not (isinstance(payload, list) and len(payload) == 2
            and all(type(value) is int for value in payload)):  # fmt: skip
        return None
    meeting_id, participant_id = payload
    query = db.select(Meeting).where(Meeting.id == meeting_id).options(*MEETING_PEOPLE)
    meeting = db.session.execute(query).unique().scalar_one_or_none()
    if meeting is None:
        return None
    participant = db.session.get(Participant, participant_id)
    side = live.side_of(meeting, participant) if participant is not None else None
    if participant is None or side is None:
        return None
    return CodeTarget(meeting, participant, side)


def check_in_with_code(target: CodeTarget, now: datetime, actor: User | None) -> bool:
    """Staff check in the side a code names; False when it already was. Raises
    ``live.LiveError`` as ``live.check_in`` does (outside the window, meeting not checkable)."""
    return live.check_in(target.meeting, target.side, now, actor, by_staff=True)


def check_in_qr_svg(links: CheckInLinks, meeting: Meeting, participant: Participant,
                    title: str) -> str:  # fmt: skip
    """The participant's check-in QR code for the meeting, as SVG."""
    return qr_svg(make_qr(links.url(meeting, participant)), title)
