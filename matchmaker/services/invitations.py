"""Accounts for imported participants, and the links that let people choose their password.

An invitation link carries a signed, dated token naming the account and a fingerprint of its
password hash and invitation time: choosing a password, or a newer invitation, voids every
earlier link, and no link outlives ``INVITATION_MAX_AGE``. Until the link is used the account
has no password at all, so nobody can log in to it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Select, case, func, or_

from matchmaker.extensions import db
from matchmaker.models import Event, Participant, User
from matchmaker.models.participant import ROLE_FOR_KIND
from matchmaker.orm import as_utc, utcnow
from matchmaker.services.accounts import AccountError, get_user_by_email
from matchmaker.services.mail import Mail, send_mail
from matchmaker.text_search import contains_folded

INVITATION_MAX_AGE = timedelta(days=14)
_SALT = "matchmaker.invitation"

#: What an organiser sees of a participant's account.
NO_ACCOUNT, CREATED, INVITED, SENT = "none", "created", "invited", "sent"
JOINED, INACTIVE = "joined", "inactive"
STATUSES = (NO_ACCOUNT, CREATED, INVITED, SENT, JOINED, INACTIVE)
#: Accounts nobody has used yet: "invite those who have not joined" means these.
NOT_JOINED = (CREATED, INVITED, SENT)


@dataclass
class AccountsCreated:
    created: list[User] = field(default_factory=list)
    #: Participants left without an account: their email belongs to another account.
    skipped: list[Participant] = field(default_factory=list)


@dataclass(frozen=True)
class AccountRow:
    participant: Participant
    user: User | None

    @property
    def status(self) -> str:
        user = self.user
        if user is None:
            return NO_ACCOUNT
        if not user.active:
            return INACTIVE
        if user.last_login_at is not None:
            return JOINED
        if user.invited_at is None:
            return CREATED
        return SENT if user.invitation_sent_at is not None else INVITED


def account_status() -> ColumnElement[str]:
    """``AccountRow.status`` in SQL, for filtering and counting in the database."""
    return case(
        (User.id.is_(None), NO_ACCOUNT),
        (User.active.is_(False), INACTIVE),
        (User.last_login_at.is_not(None), JOINED),
        (User.invited_at.is_(None), CREATED),
        (User.invitation_sent_at.is_not(None), SENT),
        else_=INVITED,
    )


@dataclass(frozen=True)
class AccountFilters:
    """What the accounts list is narrowed to; empty values filter nothing."""

    kind: str = ""
    status: str = ""
    search: str = ""  # in the name, organisation, email or id, whatever the case


@dataclass
class AccountPage:
    rows: list[AccountRow]
    matching: int  # rows that pass the filters, on every page
    page: int
    pages: int


def account_page(event: Event, filters: AccountFilters, page: int, size: int) -> AccountPage:
    """One page of the event's participants and their accounts that pass the filters, in
    file order; a page past the end shows the last. Filtered, counted and cut in SQL."""
    query = _with_accounts(event)
    if filters.kind:
        query = query.where(Participant.kind == filters.kind)
    if filters.status:
        query = query.where(account_status() == filters.status)
    if filters.search:
        columns = (Participant.name, Participant.organisation, Participant.email,
                   Participant.external_id)  # fmt: skip
        query = query.where(or_(*(contains_folded(c, filters.search) for c in columns)))
    matching = db.session.execute(
        db.select(func.count()).select_from(query.subquery())
    ).scalar_one()
    pages = max(1, -(-matching // size))
    page = min(max(1, page), pages)
    ordered = query.order_by(Participant.kind, Participant.name, Participant.id)
    found = db.session.execute(ordered.limit(size).offset((page - 1) * size))
    return AccountPage([AccountRow(p, u) for p, u in found], matching, page, pages)


def status_counts(event: Event) -> dict[str, int]:
    """How many of the event's participants have each account status."""
    status = account_status()
    query = (
        db.select(status, func.count())
        .select_from(Participant)
        .outerjoin(User, User.participant_id == Participant.id)
        .where(Participant.event_id == event.id)
        .group_by(status)
    )
    return {row[0]: row[1] for row in db.session.execute(query)}


def _with_accounts(event: Event) -> Select[tuple[Participant, User]]:
    return (
        db.select(Participant, User)
        .outerjoin(User, User.participant_id == Participant.id)
        .where(Participant.event_id == event.id)
    )


def account_rows(event: Event) -> list[AccountRow]:
    """Every participant of the event with their account, if any, in file order."""
    query = (
        db.select(Participant, User)
        .outerjoin(User, User.participant_id == Participant.id)
        .where(Participant.event_id == event.id)
        .order_by(Participant.kind, Participant.name, Participant.id)
    )
    return [AccountRow(participant, user) for participant, user in db.session.execute(query)]


def _create_accounts(rows: Iterable[AccountRow]) -> AccountsCreated:
    """An account, with no password yet, for each participant lacking one."""
    result = AccountsCreated()
    # Every address in use, read once (not one query per participant); emails match without
    # regard to case, as at login.
    taken = set(db.session.execute(db.select(db.func.lower(User.email))).scalars())
    for row in rows:
        person = row.participant
        if row.user is not None:
            continue
        if person.email.strip().lower() in taken:
            result.skipped.append(person)
            continue
        taken.add(person.email.strip().lower())
        user = User(email=person.email, role=ROLE_FOR_KIND[person.kind], participant=person)
        user.set_unusable_password()
        db.session.add(user)
        result.created.append(user)
    db.session.flush()
    return result


def create_organiser_account(email: str) -> User:
    """A new organiser who will choose a password through an invitation."""
    email = email.strip()
    if get_user_by_email(email) is not None:
        raise AccountError(f"an account for {email} already exists")
    user = User(email=email, role="organiser")
    user.set_unusable_password()
    db.session.add(user)
    db.session.flush()
    return user


#: Whom to invite: the chosen participants, everyone without an account, everyone who has an
#: account and has not used it yet.
SELECTED, MISSING, NOT_JOINED_YET = "selected", "missing", "pending"
SCOPES = (SELECTED, MISSING, NOT_JOINED_YET)


@dataclass
class InvitationRound:
    invited: list[User]
    created: list[User]
    skipped: list[Participant]


def invite_participants(
    event: Event, scope: str, participant_ids: Iterable[int] = ()
) -> InvitationRound:
    """Create the missing accounts of a scope of participants, then invite them all."""
    rows = account_rows(event)
    if scope == SELECTED:
        chosen = set(participant_ids)
        rows = [row for row in rows if row.participant.id in chosen]
    elif scope == MISSING:
        rows = [row for row in rows if row.user is None]
    elif scope == NOT_JOINED_YET:
        rows = [row for row in rows if row.status in NOT_JOINED]
    else:
        raise ValueError(f"unknown invitation scope {scope!r}")
    accounts = _create_accounts(rows)
    existing = [row.user for row in rows if row.user is not None]
    invited = invite([*existing, *accounts.created])
    return InvitationRound(invited, accounts.created, accounts.skipped)


def hand_out(users: Iterable[User], secret_key: str, base_url: str) -> list[tuple[User, str]]:
    """The links, for an organiser to pass on; marked sent so that no mail repeats them."""
    now = utcnow()
    links = []
    for user in users:
        user.invitation_sent_at = now
        links.append((user, invitation_link(user, secret_key, base_url)))
    db.session.flush()
    return links


def invite(users: Iterable[User]) -> list[User]:
    """Ask for a (new) invitation to each active user; earlier links stop working."""
    now = utcnow()
    invited = [user for user in users if user.active]
    for user in invited:
        user.invited_at = now
    db.session.flush()
    return invited


# --------------------------------------------------------------------------- links


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def _fingerprint(user: User) -> str:
    invited_at = user.invited_at
    stamp = as_utc(invited_at).astimezone(UTC).isoformat() if invited_at is not None else ""
    return hashlib.sha256(f"{user.password_hash}|{stamp}".encode()).hexdigest()[:24]


def invitation_token(user: User, secret_key: str) -> str:
    return _serializer(secret_key).dumps([user.id, _fingerprint(user)])


def invitation_link(user: User, secret_key: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/invite/{invitation_token(user, secret_key)}"


def user_for_token(
    token: str, secret_key: str, max_age: timedelta = INVITATION_MAX_AGE
) -> User | None:
    """The active, invited account a token still opens, else None (whatever the reason)."""
    try:
        user_id, fingerprint = _serializer(secret_key).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or user.invited_at is None:
        return None
    return user if secrets.compare_digest(str(fingerprint), _fingerprint(user)) else None


def accept_invitation(user: User, password: str) -> None:
    """The invitee's own password; the link that brought them is void from now on."""
    user.set_password(password)
    user.last_login_at = utcnow()
    db.session.flush()


# --------------------------------------------------------------------------- mail


def due_invitations() -> list[int]:
    """Accounts whose latest invitation has been neither sent nor used yet."""
    query = db.select(User.id).where(
        User.active.is_(True),
        User.invited_at.is_not(None),
        db.or_(User.invitation_sent_at.is_(None), User.invitation_sent_at < User.invited_at),
        db.or_(User.last_login_at.is_(None), User.last_login_at < User.invited_at),
    )
    return list(db.session.execute(query.order_by(User.id)).scalars())


def send_invitation(user: User, link: str, smtp_url: str, sender: str) -> bool:
    """Mail one invitation and mark it sent; False if it was already sent."""
    invited_at, sent_at = user.invited_at, user.invitation_sent_at
    if invited_at is None or (sent_at is not None and as_utc(sent_at) >= as_utc(invited_at)):
        return False
    send_mail(smtp_url, sender, invitation_mail(user, link))
    user.invitation_sent_at = utcnow()
    db.session.flush()
    return True


def invitation_mail(user: User, link: str) -> Mail:
    """In the three languages of the congress: the reader's is not known before they log in."""
    person = user.participant
    event_name = person.event.name if person is not None else "matchmaker"
    days = INVITATION_MAX_AGE.days
    if user.last_login_at is None:
        subject = f"{event_name}: tu acceso / your access / seu acesso"
        why = (
            f"La organización de {event_name} te ha creado una cuenta ({user.email}).",
            f"The organisers of {event_name} created an account for you ({user.email}).",
            f"A organização de {event_name} criou uma conta para você ({user.email}).",
        )
    else:
        subject = f"{event_name}: nueva contraseña / new password / nova senha"
        why = (
            f"Se ha pedido una contraseña nueva para tu cuenta ({user.email}).",
            f"A new password was requested for your account ({user.email}).",
            f"Foi pedida uma nova senha para sua conta ({user.email}).",
        )
    body = (
        f"{why[0]} Elige tu contraseña en este enlace (válido {days} días):\n{link}\n\n"
        f"{why[1]} Choose your password here (valid for {days} days):\n{link}\n\n"
        f"{why[2]} Escolha sua senha aqui (válido por {days} dias):\n{link}\n"
    )
    if person is not None:
        body = f"{person.name}:\n\n{body}"
    return Mail(to=[user.email], subject=subject, body=body)
