"""What every API resource shares: bearer tokens, who may do what, one commit per call.

A resource module makes its blueprint with ``api_blueprint`` and writes views that read and
flush through the services, never commit: the call commits once after a successful answer
(so an idempotent call's stored answer commits with the work it describes), and a conflict
found by the database at that commit is a 409 problem, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any, TypeVar

from flask import Response, g, request
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from matchmaker.api import problems
from matchmaker.extensions import csrf, db
from matchmaker.ids import MAX_ID
from matchmaker.models import ApiToken, Event, Participant, User
from matchmaker.services import api_tokens
from matchmaker.throttling import api_calls

PREFIX = "/api/v1"
F = TypeVar("F", bound=Callable[..., Any])

#: Every API blueprint, for the app factory and the authorization test.
BLUEPRINTS: list[ApiBlueprint] = []


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose calls need a bearer token."""

    def problems(self, *statuses: int) -> Callable[[F], F]:
        """Documents the problems a view may answer with: always 401 and 429, plus these."""

        def decorator(view: F) -> F:
            for status in sorted({401, 429, *statuses}, reverse=True):
                view = self.alt_response(status, response=HTTPStatus(status).name)(view)
            return view

        return decorator

    def arguments(self, schema: Any, *, location: str = "json", required: bool = True,
                  **kwargs: Any) -> Callable[[F], F]:  # fmt: skip
        """flask-smorest's, refusing for a JSON body what webargs would read as ``{}``: a body
        of another type (415) and a missing required one (422), so that a PATCH without a
        body is not "nothing to change, 200". A body that does not parse is 400. All
        documented."""
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json":
            return parse  # type: ignore[no-any-return]

        def decorator(view: F) -> F:
            parsed = parse(view)

            @wraps(parsed)
            def checked(*args: Any, **kwargs: Any) -> Any:
                _check_body(required)
                return parsed(*args, **kwargs)

            responses = checked._apidoc["arguments"]["responses"]  # type: ignore[attr-defined]
            responses.update({400: "BAD_REQUEST", 415: "UNSUPPORTED_MEDIA_TYPE"})
            return checked  # type: ignore[return-value]

        return decorator

    def idempotent(self, view: F) -> F:
        """A creating view that honours an ``Idempotency-Key`` header, documented as such."""
        from matchmaker.api import idempotency

        return self.doc(parameters=[idempotency.PARAMETER])(idempotency.idempotent(view))


def api_blueprint(name: str, import_name: str, description: str) -> ApiBlueprint:
    """A resource's blueprint under /api/v1/, exempt from CSRF (no cookie authenticates it)."""
    blp = ApiBlueprint(name, import_name, url_prefix=PREFIX, description=description)
    blp.before_request(_authenticate)
    blp.before_request(_authorise)
    blp.after_request(_commit)
    blp.register_error_handler(HTTPException, problems.handle_http_exception)
    blp.register_error_handler(Exception, problems.handle_server_error)
    csrf.exempt(blp)
    BLUEPRINTS.append(blp)
    return blp


# Who is calling ----------------------------------------------------------------------------


def current_token() -> ApiToken:
    return g.api_token  # type: ignore[no-any-return]


def current_account() -> User:
    return current_token().user


def require_organiser() -> User:
    """The calling account, if it is an organiser's; 403 otherwise."""
    account = current_account()
    if not account.is_organiser:
        abort(403, message=_("Solo una clave de la organización puede hacer esto."))
    return account


def require_participant() -> Participant:
    """The participant behind the calling account; 403 for organisers' tokens."""
    participant = current_account().participant
    if current_account().is_organiser or participant is None:
        abort(403, message=_("Solo la clave de un participante puede hacer esto."))
    return participant


def visible_event(event_id: int) -> Event:
    """The event with this id if the caller may see it (organisers: any; a participant: their
    own), else 404: what is not yours does not exist."""
    event = db.session.get(Event, event_id) if 0 < event_id <= MAX_ID else None
    if event is None:
        abort(404)
    account = current_account()
    if not account.is_organiser and (account.participant is None
                                     or account.participant.event_id != event.id):  # fmt: skip
        abort(404)
    return event


def organiser_event(event_id: int) -> Event:
    """The event, for an organiser's token (403 for participants, 404 if there is none)."""
    require_organiser()
    return visible_event(event_id)


def _check_body(required: bool) -> None:
    body = request.get_data(cache=True)
    if body and not request.is_json:
        abort(415, message=_("El cuerpo debe ser JSON (Content-Type: application/json)."))
    if required and not body:
        abort(422, errors=[{"pointer": "#", "detail": _("Falta el cuerpo JSON de la solicitud.")}])


def get_or_404(model: type[Any], row_id: int, *, event: Event | None = None) -> Any:
    """The row with this id (in this event, when given), else 404."""
    row = db.session.get(model, row_id) if 0 < row_id <= MAX_ID else None
    if row is None or (event is not None and getattr(row, "event_id", event.id) != event.id):
        abort(404)
    return row


# Hooks -------------------------------------------------------------------------------------


def _authenticate() -> Response | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    token = api_tokens.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return problems.problem(401, headers={"WWW-Authenticate": 'Bearer realm="matchmaker"'})
    g.api_token = token
    wait = api_calls(token.id).seconds_to_wait()
    if wait is not None:
        return problems.problem(
            429,
            _("Esta clave hizo demasiadas solicitudes. Espera %(seconds)d s.", seconds=wait),
            headers={"Retry-After": str(wait)},
        )
    api_calls(token.id).record()
    return None


def _authorise() -> None:
    """Who may call a route, by where it is, decided before its arguments are read: the
    ``/me`` area is for participants, whatever lies below one event is for organisers, and an
    event the caller may not see does not exist. Otherwise a refused caller would be told
    what is wrong with their body (422) instead of being refused, and a view that forgot its
    own check would be open. Views still check (``require_organiser``, ``visible_event``...).
    """
    rule = request.url_rule.rule.removeprefix(PREFIX) if request.url_rule else ""
    if rule == "/me" or rule.startswith("/me/"):
        require_participant()
    event_id = (request.view_args or {}).get("event_id")
    if isinstance(event_id, int) and rule.startswith("/events/<int:event_id>"):
        if rule != "/events/<int:event_id>":
            require_organiser()
        visible_event(event_id)


def _commit(response: Response) -> Response:
    """One commit per call, after a successful answer; a failed one changes nothing."""
    if response.status_code >= 400:
        db.session.rollback()
        return response
    from matchmaker.api import idempotency

    idempotency.remember(response)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        replay = idempotency.replay_after_race()
        return replay or problems.problem(
            409,
            _("Otra solicitud cambió esto al mismo tiempo. Vuelve a leerlo e inténtalo de nuevo."),
        )
    return response
