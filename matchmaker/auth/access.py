"""Who may see or change what: decorators for views, checked on every route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from matchmaker.models import Participant

F = TypeVar("F", bound=Callable[..., Any])


def role_required(*roles: str) -> Callable[[F], F]:
    """Logged in with one of ``roles``: anonymous users go to the login page, others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


organiser_required = role_required("organiser")
participant_required = role_required("official", "partner")


def current_participant() -> Participant:
    """The participant behind the logged-in official or partner (403 if none is linked)."""
    participant = current_user.participant if current_user.is_authenticated else None
    if participant is None:
        abort(403)
    return participant
