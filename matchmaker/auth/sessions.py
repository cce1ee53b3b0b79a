"""Sessions that end: each login id carries the account's session token.

Flask keeps the session in a signed cookie, so a copied cookie would stay valid for ever.
The id Flask-Login stores is ``"<user id>:<session token>"``; the token is replaced at logout
and whenever the password changes, and every request checks it, so those events end every
session of the account (on every device, and any copied cookie with them).
"""

from __future__ import annotations

import hmac
import secrets

from flask import session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from matchmaker.extensions import db
from matchmaker.models import Participant, User
from matchmaker.orm import utcnow

#: Survives a login: the interface language chosen before logging in.
KEPT_AT_LOGIN = ("locale",)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def load_user_from_session_id(session_id: str) -> User | None:
    """The account a stored login id names, if its token is still the account's current one."""
    login = parse_login_id(session_id)
    if login is None:
        return None
    # A participant's pages all need their profile and event: one query instead of three.
    with_profile = joinedload(User.participant).joinedload(Participant.event)
    user = db.session.get(User, login[0], options=[with_profile])
    if user is None or not token_is_current(user.session_token, login[1]):
        return None
    return user


def parse_login_id(session_id: object) -> tuple[int, str] | None:
    """(account id, session token) of a stored login id ``"<id>:<token>"``; None when it is
    not one (an id too long for the column is none either)."""
    if not isinstance(session_id, str):
        return None
    user_id, _, token = session_id.partition(":")
    if not user_id.isascii() or not user_id.isdigit() or len(user_id) >= 19 or not token:
        return None
    return int(user_id), token


def token_is_current(stored: str | None, token: str) -> bool:
    """The login's token is the account's current one (compared in constant time)."""
    return stored is not None and stored != "" and hmac.compare_digest(stored, token)


def start_session(user: User) -> None:
    """Log ``user`` in with a fresh session: nothing carried over from before the login
    (the CSRF token included) except the chosen language. The caller commits."""
    kept = {key: session[key] for key in KEPT_AT_LOGIN if key in session}
    session.clear()
    session.update(kept)
    if not user.session_token:
        user.session_token = new_session_token()
    user.last_login_at = utcnow()
    login_user(user)


def end_all_sessions(user: User) -> None:
    """Every session of this account ends (logout, password change). The caller commits."""
    user.session_token = new_session_token()


def log_out(user: User) -> None:
    """Logout ends this session and every other one of the account. The caller commits."""
    end_all_sessions(user)
    logout_user()
    session.clear()


def renew_after_password_change(user: User) -> None:
    """A new password ends every other session; this one continues under the new token."""
    end_all_sessions(user)
    start_session(user)
