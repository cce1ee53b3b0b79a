"""User accounts: creation, lookup, authentication, password strength."""

from __future__ import annotations

from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.domain.passwords import MIN_LENGTH, Weakness, password_weakness
from matchmaker.extensions import db
from matchmaker.models import Participant, User
from matchmaker.models.participant import ROLE_FOR_KIND

MIN_PASSWORD_LENGTH = MIN_LENGTH

#: The command line's words for each weakness (the web app has its own, translated).
WEAKNESS_REASONS = {
    Weakness.TOO_SHORT: f"the password is too short (at least {MIN_LENGTH} characters)",
    Weakness.TOO_COMMON: "the password is too common (it is among the first ones tried)",
    Weakness.PERSONAL: "the password is made of the person's name, email or organisation",
    Weakness.PREDICTABLE: "the password is too predictable (sequences, repeats, dates or a "
    "single word); several uncommon words are better",
}


class AccountError(ValueError):
    pass


def get_user_by_email(email: str) -> User | None:
    query = db.select(User).where(db.func.lower(User.email) == email.strip().lower())
    return db.session.execute(query).scalar_one_or_none()


def check_password_strength(
    password: str, email: str, participant: Participant | None = None
) -> Weakness | None:
    """Why ``password`` is too weak for the account of ``email`` (and its participant), or
    None. The one check behind every form that sets a password and ``create_user``."""
    personal = [email]
    if participant is not None:
        personal += [participant.name, participant.organisation]
    return password_weakness(password, personal)


def create_user(
    email: str,
    password: str,
    role: str,
    participant: Participant | None = None,
    *,
    check_strength: bool = True,
) -> User:
    """A new account; officials and partners are linked to their participant.

    The password must pass ``check_password_strength``; only the demo event's accounts skip
    it (``check_strength=False``): their password is printed for everyone to try.
    """
    if role not in ("organiser", "official", "partner"):
        raise AccountError(f"unknown role {role!r} (organiser, official or partner)")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(WEAKNESS_REASONS[Weakness.TOO_SHORT])
    if get_user_by_email(email) is not None:
        raise AccountError(f"an account for {email} already exists")
    if role != "organiser":
        if participant is None:
            raise AccountError(f"a {role} account needs a participant (--participant ID)")
        if ROLE_FOR_KIND[participant.kind] != role:
            raise AccountError(f"participant {participant.external_id} is a {participant.kind}")
    if check_strength and (weakness := check_password_strength(password, email, participant)):
        raise AccountError(WEAKNESS_REASONS[weakness])
    user = User(email=email.strip(), role=role, participant=participant)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure).

    Every call hashes the password once, whether or not the account exists, is active or
    has a password yet, so the time taken tells nobody which addresses have accounts.
    """
    user = get_user_by_email(email)
    if user is None or not user.active or not has_usable_password(user):
        check_password_hash(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None


def has_usable_password(user: User) -> bool:
    """False while an invited account waits for its first password (``set_unusable_password``
    stores a value no hash function produces)."""
    return not user.password_hash.startswith("!")


@cache
def _dummy_hash() -> str:
    """A hash made once per process with the same method as real ones, to check against when
    there is no real one: as slow as a real check."""
    return generate_password_hash("no account has this password")
