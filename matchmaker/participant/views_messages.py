"""Messages with the other side of a request or meeting, and the notifications page.

A thread is only reachable by its two sides while they have a request or a meeting
(``services.messages.get_counterpart``): anyone else, and any other pair, gets 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.dates import event_moment
from matchmaker.extensions import db
from matchmaker.models import Participant
from matchmaker.participant import bp
from matchmaker.participant.forms import ActionForm
from matchmaker.participant.forms_messages import MessageForm, OpenNotificationForm, ReportForm
from matchmaker.participant.notice_words import describe_all
from matchmaker.services import messages, notifications
from matchmaker.transactions import commit_or_rerun

#: Why a message or report was refused, by the service's code.
REFUSALS = {
    "empty": _l("Escribe un mensaje."),
    "too-long": _l("El mensaje es demasiado largo."),
    "reported": _l("Ya reportaste un problema en esta conversación."),
}


@bp.app_template_global()
def unread_notifications() -> int:
    """The bell's number for the logged-in participant: one count query per page."""
    participant = current_user.participant if current_user.is_authenticated else None
    return notifications.count_unread(participant.id) if participant is not None else 0


def _counterpart_or_404(participant: Participant, other_id: int) -> Participant:
    other = messages.get_counterpart(participant, other_id)
    if other is None:
        abort(404)
    return other


@bp.route("/messages/<int:participant_id>", methods=["GET", "POST"])
@participant_required
def thread(participant_id: int) -> str | Response | tuple[str, int]:
    participant = current_participant()
    other = _counterpart_or_404(participant, participant_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            commit_or_rerun(lambda: messages.post_message(participant, other, form.body.data))
        except messages.MessageError as exc:  # the form checked already: a guard only
            db.session.rollback()
            form.body.errors = [str(REFUSALS[exc.code])]
            return _thread_page(participant, other, form, ReportForm()), 400
        flash(_("Mensaje enviado."), "success")
        return redirect(url_for("participant.thread", participant_id=other.id))
    if form.is_submitted():
        return _thread_page(participant, other, form, ReportForm()), 400
    messages.mark_thread_read(participant, other)
    db.session.commit()
    return _thread_page(participant, other, form, ReportForm())


@bp.route("/messages/<int:participant_id>/report", methods=["POST"])
@participant_required
def report_thread(participant_id: int) -> Response | tuple[str, int]:
    participant = current_participant()
    other = _counterpart_or_404(participant, participant_id)
    form = ReportForm()
    if not form.validate_on_submit():
        return _thread_page(participant, other, MessageForm(formdata=None), form), 400
    note = form.note.data or ""
    try:
        commit_or_rerun(lambda: messages.report_thread(participant, other, note, current_user))
    except messages.MessageError as exc:
        db.session.rollback()
        flash(str(REFUSALS.get(exc.code, REFUSALS["reported"])), "warning")
    else:
        flash(_("Gracias: la organización revisará esta conversación."), "success")
    return redirect(url_for("participant.thread", participant_id=other.id))


def _thread_page(
    participant: Participant, other: Participant, form: MessageForm, report_form: ReportForm
) -> str:
    return render_template(
        "participant/thread.html",
        participant=participant,
        other=other,
        thread=messages.list_thread(participant, other),
        form=form,
        report_form=report_form,
        reported=messages.has_reported(participant, other),
        body_max=messages.BODY_MAX,
        note_max=messages.NOTE_MAX,
        local=lambda moment: event_moment(moment, participant.event),
    )


@bp.route("/notifications")
@participant_required
def notifications_page() -> str:
    participant = current_participant()
    rows = notifications.list_notifications(participant)
    return render_template(
        "participant/notifications.html",
        participant=participant,
        lines=describe_all(participant.event, rows),
        open_form=OpenNotificationForm(),
        action_form=ActionForm(),
        local=lambda moment: event_moment(moment, participant.event),
    )


@bp.route("/notifications/open", methods=["POST"])
@participant_required
def open_notification() -> Response:
    """Mark one notification read and go where it leads."""
    participant = current_participant()
    form = OpenNotificationForm()
    if not form.validate_on_submit():
        abort(400)
    found = notifications.get_notification_for(participant, int(form.notification.data))
    if found is None:
        abort(404)
    notifications.mark_read(found)
    line = describe_all(participant.event, [found])[0]
    db.session.commit()
    return redirect(line.url)


@bp.route("/notifications/read", methods=["POST"])
@participant_required
def read_all_notifications() -> Response:
    participant = current_participant()
    if not ActionForm().validate_on_submit():
        abort(400)
    notifications.mark_all_read(participant)
    db.session.commit()
    flash(_("Todos los avisos quedan leídos."), "success")
    return redirect(url_for("participant.notifications_page"))
