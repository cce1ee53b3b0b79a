"""Errors as ``application/problem+json`` (RFC 9457), in the reader's language.

Every failure of an API call, from a bad token to a field that does not validate, answers with
a problem: ``title`` and ``detail`` for people, ``status`` for programs, and for invalid input
an ``errors`` list whose items point at the field (``pointer``, a JSON pointer into the body)
or the query parameter (``parameter``) at fault.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Response, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from matchmaker.extensions import db

CONTENT_TYPE = "application/problem+json"

#: The title of each status a client may meet.
TITLES = {
    400: _l("La solicitud no es válida"),
    401: _l("Falta una clave de API válida"),
    403: _l("Esta clave no tiene permiso para esto"),
    404: _l("No existe o no está a tu alcance"),
    405: _l("Método no permitido"),
    406: _l("Formato de respuesta no disponible"),
    409: _l("Conflicto con el estado actual"),
    412: _l("El recurso cambió desde que lo leíste"),
    413: _l("La solicitud es demasiado grande"),
    415: _l("Tipo de contenido no admitido"),
    422: _l("Los datos enviados no son válidos"),
    428: _l("Falta la cabecera If-Match"),
    429: _l("Demasiadas solicitudes"),
    500: _l("Error interno"),
}
DETAILS = {
    401: _l("Envía la cabecera «Authorization: Bearer <clave>» con una clave activa."),
    404: _l("El recurso no existe o no está a tu alcance."),
    412: _l("Vuelve a leer el recurso y envía su ETag actual en If-Match."),
    428: _l("Para cambiar este recurso envía en If-Match el ETag que recibiste al leerlo."),
    500: _l("Tuvimos un problema al atender la solicitud y no se guardó nada."),
}

#: marshmallow's and webargs' own messages, in the reader's language.
FIELD_MESSAGES = {
    "Missing data for required field.": _l("Este campo es obligatorio."),
    "Unknown field.": _l("Campo desconocido."),
    "Field may not be null.": _l("Este campo no puede ser nulo."),
    "Not a valid string.": _l("Debe ser un texto."),
    "Not a valid integer.": _l("Debe ser un número entero."),
    "Not a valid number.": _l("Debe ser un número."),
    "Not a valid boolean.": _l("Debe ser verdadero o falso."),
    "Not a valid list.": _l("Debe ser una lista."),
    "Not a valid mapping type.": _l("Debe ser un objeto."),
    "Not a valid email address.": _l("No es un correo electrónico válido."),
    "Not a valid URL.": _l("No es una dirección web válida."),
    "Not a valid datetime.": _l("No es una fecha y hora válida (ISO 8601)."),
    "Not a valid date.": _l("No es una fecha válida (AAAA-MM-DD)."),
    "Invalid input type.": _l("Tipo de dato no válido."),
    "Invalid value.": _l("Valor no válido."),
    "Invalid input.": _l("Valor no válido."),
    "Invalid JSON body.": _l("El cuerpo no es JSON válido."),
    "Shorter than minimum length 1.": _l("No puede estar vacío."),
}


def problem(status: int, detail: object = None, *, title: object = None,
            errors: list[dict[str, str]] | None = None,
            headers: Mapping[str, str] | None = None, **extra: Any) -> Response:  # fmt: skip
    """A problem answer with this status (a title and detail of its own unless given)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": str(title or TITLES.get(status) or _("Error")),
        "status": status,
    }
    detail = detail or DETAILS.get(status)
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_http_exception(error: HTTPException) -> Response:
    """Any HTTP error raised under the API (abort, webargs' validation, routing) as a problem."""
    status = error.code or 500
    if status >= 500:
        db.session.rollback()  # the failed call's transaction is dead; nothing was saved
    data = getattr(error, "data", None) or {}
    headers = {name: value for name, value in error.get_headers()
               if name.lower() != "content-type"}  # fmt: skip
    headers.update(data.get("headers") or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="matchmaker"')
    errors = data.get("errors")
    if errors is None and "messages" in data:  # webargs: {location: {field: [messages]}}
        errors = list(validation_errors(data["messages"]))
    detail = data.get("message") or (None if errors else _own_description(error))
    return problem(status, detail, errors=errors, headers=headers)


def handle_server_error(error: Exception) -> Response:
    db.session.rollback()
    current_app.logger.exception("API call failed", exc_info=error)
    return problem(500)


def validation_errors(messages: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    """webargs' nested messages as a flat list: a pointer into the body, or a parameter."""
    for location, fields in messages.items():
        if not isinstance(fields, Mapping):
            yield {"detail": field_message(fields)}
            continue
        for path, message in _flatten(fields, ()):
            if location in ("json", "json_or_form", "form"):
                yield {"pointer": "#/" + "/".join(_escape(str(p)) for p in path),
                       "detail": message}  # fmt: skip
            elif location == "headers":
                yield {"header": str(path[0]) if path else "", "detail": message}
            else:
                yield {"parameter": str(path[0]) if path else "", "detail": message}


def field_message(message: Any) -> str:
    """One validation message in the reader's language (our own are already translated)."""
    if isinstance(message, list):
        return " ".join(field_message(m) for m in message)
    text = str(message)
    known = FIELD_MESSAGES.get(text)
    if known is not None:
        return str(known)
    if text.startswith("Must be one of:"):
        return _("Debe ser uno de: %(values)s.", values=text.removeprefix("Must be one of:")
                 .strip().rstrip("."))  # fmt: skip
    if text.startswith(("Length must be", "Longer than maximum length")):
        return _("La longitud no es válida.")
    if text.startswith(("Must be greater", "Must be less", "Must be between")):
        return _("El valor está fuera del rango permitido.")
    return text


def _flatten(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(node, Mapping):
        for key, child in node.items():
            if key == "_schema":
                yield path, field_message(child)
            else:
                yield from _flatten(child, (*path, key))
    else:
        yield path, field_message(node)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _own_description(error: HTTPException) -> str | None:
    """The description given to ``abort(status, description)``, not werkzeug's default."""
    default = type(error).description
    return error.description if error.description and error.description != default else None
