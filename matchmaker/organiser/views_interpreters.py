"""Interpreters: the organisers list, add, edit and remove them, with presence per slot."""

from __future__ import annotations

from itertools import groupby

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.dates import reader_locale
from matchmaker.extensions import db
from matchmaker.models import Event, Interpreter
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, current_event
from matchmaker.organiser.forms import ActionForm
from matchmaker.organiser.interpreter_form import InterpreterForm
from matchmaker.participant.forms import language_name
from matchmaker.services import audit, interpreters
from matchmaker.services.interpreters import MIN_LANGUAGES, InterpreterRejected

Page = str | tuple[str, int] | Response


@bp.route("/interpreters", methods=["GET", "POST"])
@organiser_required
def interpreters_page() -> Page:
    """The event's interpreters, and the form that adds one."""
    event = current_event()
    form = _form(event)
    if not form.is_submitted():
        form.present.data = list(range(_num_slots(event)))  # present throughout, by default
    elif form.validate_on_submit():
        try:
            added = interpreters.create_interpreter(event, form.changes())
        except InterpreterRejected as rejected:
            db.session.rollback()
            _show(form, rejected)
        else:
            audit.record("interpreter.added", actor=actor(), event_id=event.id, target=added,
                         name=added.name, languages=added.languages)  # fmt: skip
            db.session.commit()
            flash(_("Intérprete añadido: %(name)s.", name=added.name), "success")
            return redirect(url_for("organiser.interpreters_page"))
    return _render(event, form, None)


@bp.route("/interpreters/<int:interpreter_id>", methods=["GET", "POST"])
@organiser_required
def edit_interpreter(interpreter_id: int) -> Page:
    event = current_event()
    interpreter = _own(event, interpreter_id)
    form = _form(event)
    if not form.is_submitted():
        present = [i for i in range(_num_slots(event)) if i not in interpreter.unavailable]
        form.fill(interpreter.name, interpreter.email or "", interpreter.languages, present)
    elif form.validate_on_submit():
        try:
            released = interpreters.update_interpreter(interpreter, form.changes())
        except InterpreterRejected as rejected:
            db.session.rollback()
            _show(form, rejected)
        else:
            audit.record("interpreter.changed", actor=actor(), event_id=event.id,
                         target=interpreter, name=interpreter.name,
                         languages=interpreter.languages, released=released)  # fmt: skip
            db.session.commit()
            flash(_("Intérprete guardado: %(name)s.", name=interpreter.name), "success")
            if released:
                flash(_released(released), "warning")
            return redirect(url_for("organiser.interpreters_page"))
    return _render(event, form, interpreter)


@bp.post("/interpreters/<int:interpreter_id>/delete")
@organiser_required
def delete_interpreter(interpreter_id: int) -> Response:
    event = current_event()
    interpreter = interpreters.get_interpreter(event, interpreter_id)
    if not ActionForm().validate_on_submit() or interpreter is None:
        # Another organiser may have removed them a moment ago: nothing left to do.
        flash(_("Ese intérprete ya no está en la lista."), "warning")
        return redirect(url_for("organiser.interpreters_page"))
    name = interpreter.name
    audit.record("interpreter.removed", actor=actor(), event_id=event.id, target=interpreter,
                 name=name)  # fmt: skip
    released = interpreters.delete_interpreter(interpreter)
    db.session.commit()
    flash(_("Intérprete quitado: %(name)s.", name=name), "success")
    if released:
        flash(_released(released), "warning")
    return redirect(url_for("organiser.interpreters_page"))


def _released(count: int) -> str:
    return ngettext(
        "%(num)d reunión se queda sin intérprete: vuelve a generar la agenda (solo los pares "
        "sin reunión) para buscarle otro.",
        "%(num)d reuniones se quedan sin intérprete: vuelve a generar la agenda (solo los "
        "pares sin reunión) para buscarles otro.",
        count,
    )


def _own(event: Event, interpreter_id: int) -> Interpreter:
    interpreter = interpreters.get_interpreter(event, interpreter_id)
    if interpreter is None:
        abort(404)
    return interpreter


def _num_slots(event: Event) -> int:
    return event.num_slots()


def _form(event: Event) -> InterpreterForm:
    return InterpreterForm(locale=reader_locale(), num_slots=_num_slots(event))


def _show(form: InterpreterForm, rejected: InterpreterRejected) -> None:
    """The service's reason, in the reader's words, on the field at fault."""
    messages = {
        "name": _("Escribe el nombre del intérprete."),
        "email": _("Esa dirección de correo no es válida."),
        "present": _("Valor no válido."),
    }
    if rejected.field == "languages" and rejected.code == "unknown":
        message = _("Código de idioma desconocido: %(codes)s. Usa códigos ISO 639-1, como "
                    "fr o de.", codes=rejected.data.get("codes", ""))  # fmt: skip
        form.other_languages.errors = [message]
        return
    if rejected.field == "languages":
        form.languages.errors = [
            _("Elige al menos %(n)s idiomas: un intérprete une dos idiomas.", n=MIN_LANGUAGES)
        ]
        return
    getattr(form, rejected.field).errors = [messages[rejected.field]]


def _render(event: Event, form: InterpreterForm, interpreter: Interpreter | None) -> Page:
    """The page; 400 when it shows a rejected form (nothing was saved)."""
    slots = event.slots()
    days = [(day, list(day_slots)) for day, day_slots in groupby(slots, key=lambda s: s.day)]
    locale = reader_locale()
    page = render_template(
        "organiser/interpreters.html",
        event=event,
        form=form,
        editing=interpreter,
        interpreters=interpreters.list_interpreters(event) if interpreter is None else [],
        counts=interpreters.meeting_counts(event) if interpreter is None else {},
        days=days,
        slot_count=len(slots),
        present=set(form.present.data or []),
        language=lambda code: language_name(code, locale),
        action_form=ActionForm(),
    )
    return (page, 400) if form.is_submitted() else page
