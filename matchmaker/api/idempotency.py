"""``Idempotency-Key`` on creating calls: a retried POST creates nothing twice.

The first answer to a key is stored in the same transaction as the work it describes (see
``core._commit``). A call that finds its key answered gets that answer again, marked
``Idempotent-Replayed: true``; the same key sent with another method, path or body is refused
(422). Two retries racing each other are settled by the key's unique constraint: the loser's
work is rolled back and it answers with the winner's answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, request
from flask_babel import gettext as _

from matchmaker.api import problems
from matchmaker.extensions import db
from matchmaker.models import IdempotentCall

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
#: Headers worth giving back with a replayed answer.
KEPT_HEADERS = ("Location", "ETag")
F = TypeVar("F", bound=Callable[..., Any])
PARAMETER = {
    "in": "header", "name": HEADER, "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A key of your choice: the same call retried with it creates nothing twice "
                   "and gets the first answer again.",
}  # fmt: skip


def idempotent(view: F) -> F:
    """Honours an ``Idempotency-Key`` header on this view (``ApiBlueprint.idempotent``
    documents it)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 255:
            return problems.problem(
                422,
                _("La clave de idempotencia admite hasta 255 caracteres."),
                errors=[{"header": HEADER, "detail": _("Demasiado larga.")}],
            )
        g.idempotency = (key, _fingerprint())
        earlier = _stored(key)
        if earlier is not None:
            return _answer(earlier)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def remember(response: Response) -> None:
    """Stores a successful answer under the call's key, in the call's own transaction."""
    pending = g.pop("idempotency", None)
    if pending is None:
        return
    key, fingerprint = pending
    g.idempotency_key = key
    db.session.add(IdempotentCall(
        token_id=g.api_token.id, key=key, fingerprint=fingerprint,
        status=response.status_code, body=response.get_data(as_text=True),
        headers={name: response.headers[name] for name in KEPT_HEADERS if name in response.headers},
    ))  # fmt: skip


def replay_after_race() -> Response | None:
    """After a conflict at commit: the answer another call with the same key stored first."""
    key = g.pop("idempotency_key", None)
    if key is None:
        return None
    earlier = _stored(key)
    return _answer(earlier) if earlier is not None else None


def _stored(key: str) -> IdempotentCall | None:
    query = db.select(IdempotentCall).where(
        IdempotentCall.token_id == g.api_token.id, IdempotentCall.key == key
    )
    return db.session.execute(query).scalar_one_or_none()


def _answer(earlier: IdempotentCall) -> Response:
    current = g.get("idempotency")
    if current is not None and current[1] != earlier.fingerprint:
        g.pop("idempotency", None)
        return problems.problem(
            422,
            _("Esta clave de idempotencia ya se usó con otra solicitud."),
            errors=[{"header": HEADER, "detail": _("Usa una clave nueva.")}],
        )
    g.pop("idempotency", None)
    response = current_app.response_class(earlier.body, status=earlier.status,
                                          mimetype="application/json")  # fmt: skip
    response.headers.update(earlier.headers)
    response.headers[REPLAYED] = "true"
    return response


def _fingerprint() -> str:
    body = request.get_data(cache=True)
    with suppress(ValueError):  # the same JSON however it is spaced or ordered
        body = json.dumps(json.loads(body), sort_keys=True).encode()
    return hashlib.sha256(
        b"\n".join([request.method.encode(), request.path.encode(), body])
    ).hexdigest()
