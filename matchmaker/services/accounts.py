"""User accounts: creation, lookup, authentication."""

from __future__ import annotations

from matchmaker.extensions import db
from matchmaker.models import Participant, User
from matchmaker.models.participant import ROLE_FOR_KIND

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    pass


def get_user_by_email(email: str) -> User | None:
    query = db.select(User).where(db.func.lower(User.email) == email.strip().lower())
    return db.session.execute(query).scalar_one_or_none()


def create_user(
    email: str, password: str, role: str, participant: Participant | None = None
) -> User:
    """A new account; officials and partners are linked to their participant."""
    if role not in ("organiser", "official", "partner"):
        raise AccountError(f"unknown role {role!r} (organiser, official or partner)")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if get_user_by_email(email) is not None:
        raise AccountError(f"an account for {email} already exists")
    if role != "organiser":
        if participant is None:
            raise AccountError(f"a {role} account needs a participant (--participant ID)")
        if ROLE_FOR_KIND[participant.kind] != role:
            raise AccountError(f"participant {participant.external_id} is a {participant.kind}")
    user = User(email=email.strip(), role=role, participant=participant)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = get_user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
