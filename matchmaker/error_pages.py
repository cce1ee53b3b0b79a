"""The app's own error pages, in the reader's language, each with a way back."""

from __future__ import annotations

from flask import Flask, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response

from matchmaker.api.problems import handle_http_exception
from matchmaker.extensions import db

API_PREFIX = "/api/"

#: Title and explanation of each status a person may meet.
MESSAGES = {
    400: (_l("Solicitud no válida"),
          _l("No pudimos entender lo que se envió. Vuelve a la página anterior e "
             "inténtalo de nuevo.")),
    403: (_l("Sin acceso"), _l("Tu cuenta no tiene acceso a esta página.")),
    404: (_l("Página no encontrada"),
          _l("Esta página no existe o no está a tu alcance. Revisa el enlace.")),
    405: (_l("Acción no permitida"), _l("Esta página no admite esa acción.")),
    413: (_l("Archivo demasiado grande"),
          _l("El archivo supera el tamaño máximo de 16 MB. Divide el archivo e inténtalo "
             "de nuevo.")),
    500: (_l("Algo salió mal"),
          _l("Tuvimos un problema al atender tu solicitud y no se guardó nada. Inténtalo de "
             "nuevo en unos minutos; si vuelve a pasar, avisa a la organización.")),
}  # fmt: skip
CSRF_MESSAGE = (
    _l("El formulario caducó"),
    _l("Por seguridad, el formulario ya no es válido (quizá abriste la página hace mucho "
       "o en otra sesión). Vuelve a la página, recárgala y envíalo de nuevo."),
)  # fmt: skip


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)


def render_error(status: int, title: object, message: object) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status  # fmt: skip


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return render_error(400, *CSRF_MESSAGE)


def _http_error(error: HTTPException) -> Response | HTTPException:
    status = error.code or 500
    if status < 400:
        return error  # redirects raised as exceptions (e.g. routing's slash) pass through
    if request.path.startswith(API_PREFIX):  # e.g. an API address that does not exist
        return handle_http_exception(error)
    title, message = MESSAGES.get(status, (error.name, error.description or ""))
    response = make_response(render_error(status, title, message))
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # e.g. Allow on a 405, Retry-After on a 429
            response.headers[name] = value
    return response


def _server_error(error: InternalServerError) -> Response | tuple[str, int]:
    if request.path.startswith(API_PREFIX):
        return handle_http_exception(error)
    # The failed request's transaction is dead: roll it back so the page itself can render.
    db.session.rollback()  # Flask has already logged the exception
    return render_error(500, *MESSAGES[500])
