"""Participants one by one: the searchable list, a participant's page (edit), add, remove, the
file template, and the search behind the pair pickers."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from matchmaker import background
from matchmaker.auth.access import organiser_required
from matchmaker.dates import reader_locale
from matchmaker.domain.import_errors import RowError
from matchmaker.domain.importing import ALL_COLUMNS, COUNTRY_CODES, ImportRejected
from matchmaker.domain.vocabulary import KINDS, LANGUAGE_CODES, THEMES
from matchmaker.extensions import db
from matchmaker.ids import page_number
from matchmaker.models import Event, Participant
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, current_event
from matchmaker.organiser.forms import ActionForm
from matchmaker.organiser.forms_participants import FIELDS, ParticipantForm
from matchmaker.organiser.import_errors import describe
from matchmaker.services import participant_admin
from matchmaker.services.cancellations import MAX_REASON
from matchmaker.services.participant_admin import ParticipantFilters
from matchmaker.transactions import commit_or_rerun

#: Participants per page of the list.
PAGE_SIZE = 50
#: The template's name when downloaded.
TEMPLATE_NAME = "participantes-plantilla.csv"


@bp.get("/participants")
@organiser_required
def participant_list() -> str:
    """The event's participants: search, filters, pages of PAGE_SIZE, each opening its page."""
    event = current_event()
    args = request.args
    filters = ParticipantFilters(
        search=args.get("q", "").strip()[:200],
        kind=_known(args.get("kind"), KINDS),
        theme=_known(args.get("theme"), THEMES),
        language=_known(args.get("language"), LANGUAGE_CODES),
        country=_known(args.get("country"), COUNTRY_CODES),
    )
    shown = participant_admin.participant_page(event, filters, page_number(args.get("page")),
                                               PAGE_SIZE)  # fmt: skip
    query = {"q": filters.search, "kind": filters.kind, "theme": filters.theme,
             "language": filters.language, "country": filters.country}  # fmt: skip
    return render_template(
        "organiser/participants.html", event=event, shown=shown, filters=filters,
        query={k: v for k, v in query.items() if v}, themes=list(THEMES),
        countries=participant_admin.countries(event),
    )  # fmt: skip


def _known(value: str | None, allowed: Any) -> str:
    """A filter value the list knows, else nothing (a hand-edited URL never fails)."""
    return value if value and value in allowed else ""


@bp.route("/participants/new", methods=["GET", "POST"])
@organiser_required
def new_participant() -> str | Response:
    """Add one participant, checked as an imported row is."""
    event = current_event()
    form = ParticipantForm(locale=reader_locale())
    if request.method == "GET":
        form.kind.data = request.args.get("kind") if request.args.get("kind") in KINDS else None
    return _save(event, None, form)


@bp.route("/participants/<int:participant_id>", methods=["GET", "POST"])
@organiser_required
def edit_participant(participant_id: int) -> str | Response:
    """A participant's page: every field, editable, checked as an imported row is."""
    event = current_event()
    participant = _own(event, participant_id)
    form = ParticipantForm(locale=reader_locale())
    if request.method == "GET":
        form.fill(participant_admin.columns_of(participant))
    return _save(event, participant, form)


def _own(event: Event, participant_id: int) -> Participant:
    participant = participant_admin.get_event_participant(event, participant_id)
    if participant is None:
        abort(404)
    return participant


def _save(event: Event, participant: Participant | None, form: ParticipantForm) -> Any:
    """Show the form; posted, save it or show why not (400, nothing changed)."""
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            saved = _try_save(event, participant, form)
            if saved is not None:
                return saved
        else:
            form.form_errors.append(_("El formulario caducó: vuelve a enviarlo."))
        status = 400
    summary = participant_admin.removal_summary(participant) if participant else None
    page = render_template("organiser/participant_form.html", event=event, form=form,
                           participant=participant, summary=summary)  # fmt: skip
    return make_response(page, status)


def _try_save(event: Event, participant: Participant | None, form: ParticipantForm) -> Any:
    """Save and go on to the participant's page; None, with the errors on the form, if not."""
    values = form.columns()
    try:
        saved, changed = commit_or_rerun(
            lambda: participant_admin.save_participant(event, participant, values, actor())
        )
    except ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors:
            _field_of(form, error).errors.append(_reason(error))
        return None
    except IntegrityError:  # every attempt lost a race for the same id or email
        db.session.rollback()
        form.external_id.errors.append(_("Otra persona acaba de guardar ese id o ese correo: "
                                         "revisa los datos y vuelve a intentarlo."))  # fmt: skip
        return None
    if changed:
        background.enqueue("recompute_event_stats", event.id)
        db.session.commit()
    if participant is None:
        flash(_("Participante añadido: %(name)s.", name=saved.name), "success")
    elif changed:
        flash(_("Cambios guardados."), "success")
    else:
        flash(_("No había nada que cambiar."), "success")
    return redirect(url_for("organiser.edit_participant", participant_id=saved.id))


def _field_of(form: ParticipantForm, error: RowError) -> Any:
    return getattr(form, FIELDS.get(error.column, "external_id"))


def _reason(error: RowError) -> str:
    if error.code == "id_taken":
        return _("El id «%(value)s» ya es de otro participante (%(name)s).", **error.params)
    return describe(error)


@bp.route("/participants/<int:participant_id>/remove", methods=["GET", "POST"])
@organiser_required
def remove_participant(participant_id: int) -> str | Response:
    """First what goes with the participant; then, confirmed, cancel their published meetings
    (both sides are mailed) and, once nothing is left to tell, remove them."""
    event = current_event()
    participant = _own(event, participant_id)
    mail_on = bool(current_app.config["SMTP_URL"])
    if request.method == "POST" and ActionForm().validate_on_submit():
        reason = request.form.get("reason", "")[:MAX_REASON]
        if mail_on and (cancelled := participant_admin.cancel_published(participant, reason,
                                                                         actor())):  # fmt: skip
            db.session.commit()  # the mail goes out before the meetings go
            flash(ngettext("%(num)d reunión publicada cancelada. Se avisa por correo a las dos "
                           "partes; cuando salga el aviso, confirma la eliminación.",
                           "%(num)d reuniones publicadas canceladas. Se avisa por correo a las "
                           "dos partes; cuando salgan los avisos, confirma la eliminación.",
                           cancelled), "success")  # fmt: skip
            return redirect(url_for("organiser.remove_participant", participant_id=participant.id))
        pending = participant_admin.notices_pending(participant) if mail_on else 0
        if pending and request.form.get("anyway") != "1":
            flash(_("Aún no han salido todos los avisos de cancelación."), "warning")
            return redirect(url_for("organiser.remove_participant", participant_id=participant.id))
        name = participant.name
        participant_admin.remove_participant(participant, reason, actor())
        background.enqueue("recompute_event_stats", event.id)
        db.session.commit()
        flash(_("Participante eliminado: %(name)s.", name=name), "success")
        return redirect(url_for("organiser.participant_list"))
    pending = participant_admin.notices_pending(participant) if mail_on else 0
    return render_template("organiser/participant_remove.html", event=event,
                           participant=participant, mail_on=mail_on, pending=pending,
                           summary=participant_admin.removal_summary(participant),
                           max_reason=MAX_REASON, action_form=ActionForm())  # fmt: skip


@bp.get("/participants/template.csv")
@organiser_required
def participants_template() -> Response:
    """The participants file's header row alone, as UTF-8 with a BOM (Excel then reads the
    accents right; the import drops the BOM)."""
    body = "\ufeff" + ",".join(ALL_COLUMNS) + "\r\n"
    response = make_response(body.encode("utf-8"))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
    return response


@bp.get("/participants/search")
@organiser_required
def search_participants() -> Response:
    """The pair pickers' search: at most SEARCH_LIMIT participants of ``kind`` matching
    ``q``, as JSON (id and label)."""
    event = current_event()
    kind = _known(request.args.get("kind"), KINDS)
    text = request.args.get("q", "")[:200]
    found = participant_admin.search_participants(event, kind, text)
    return jsonify(results=[{"id": p.id, "label": participant_admin.picker_label(p)}
                            for p in found])  # fmt: skip
