"""The searchable participant pickers of the pair forms (add a pair, block a pair).

Each side is a text field (what the organiser typed or picked) and a hidden id (what the
picker's list chose; static/app.js fills it from ``organiser.search_participants``). Without
JavaScript the text alone names the participant: their id, email, label, or any part of their
name, organisation or email that only they match. The server resolves both to a participant of
the event of the right kind, or says at the field why not.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from wtforms import Field

from matchmaker.ids import parse_id
from matchmaker.models import Event, Participant
from matchmaker.organiser.forms import PairForm
from matchmaker.services.participant_admin import (
    Ambiguous,
    NoMatch,
    get_event_participant,
    picker_label,
    resolve_participant,
)


def _sides(form: PairForm) -> tuple[tuple[str, Field, Field], ...]:
    return (("government", form.government, form.government_query),
            ("partner", form.partner, form.partner_query))  # fmt: skip


def preselect(form: PairForm, event: Event) -> None:
    """On a GET, the pair preselected from a row of the match list (``?government=ID``)."""
    if request.method != "GET":
        return
    for kind, chosen, query in _sides(form):
        number = parse_id(request.args.get(kind))
        person = get_event_participant(event, number) if number is not None else None
        if person is not None and person.kind == kind:
            chosen.data, query.data = str(person.id), picker_label(person)


def chosen_pair(form: PairForm, event: Event) -> tuple[Participant, Participant] | None:
    """Both sides the pickers name; None, with the reason at the picker, when one side names
    nobody or several people."""
    found = []
    for kind, chosen, query in _sides(form):
        text = query.data or ""
        try:
            found.append(resolve_participant(event, kind, parse_id(chosen.data), text))
        except Ambiguous as many:
            names = "; ".join(picker_label(p) for p in many.candidates)
            query.errors.append(_("Coinciden varias personas (%(names)s…): elige una de la "
                                  "lista o escribe su id.", names=names))  # fmt: skip
        except NoMatch:
            query.errors.append(_nobody(kind, text))
    return (found[0], found[1]) if len(found) == 2 else None


def _nobody(kind: str, text: str) -> str:
    if not text.strip():
        if kind == "government":
            return _("Elige un funcionario/a: escribe parte de su nombre, correo o id.")
        return _("Elige un socio: escribe parte de su nombre, organización, correo o id.")
    if kind == "government":
        return _("Ningún funcionario/a coincide con «%(text)s».", text=text.strip()[:80])
    return _("Ningún socio coincide con «%(text)s».", text=text.strip()[:80])
