"""Webhooks: organisers register the addresses that receive the event's news, see what was
sent to each (status, time, attempts) and send a delivery or a test again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.extensions import db
from matchmaker.models import Event, WebhookEndpoint
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, current_event
from matchmaker.organiser.forms import ActionForm
from matchmaker.organiser.forms_webhooks import EditWebhookForm, NewWebhookForm
from matchmaker.organiser.webhook_words import describe_rejection, kind_label, state_label
from matchmaker.services import webhooks
from matchmaker.services.webhooks import EndpointRejected

Page = str | tuple[str, int] | Response


@bp.route("/api/webhooks", methods=["GET", "POST"])
@organiser_required
def webhooks_page() -> Page:
    """The event's webhooks with what each has received, and the form that adds one."""
    event = current_event()
    form = NewWebhookForm()
    if form.validate_on_submit():
        try:
            endpoint = webhooks.create_endpoint(
                event,
                form.url.data or "",
                form.kinds.data or [],
                form.description.data or "",
                actor=actor(),
            )
        except EndpointRejected as rejected:
            db.session.rollback()
            getattr(form, rejected.field).errors = [describe_rejection(rejected)]
        else:
            db.session.commit()
            flash(_("Webhook añadido. Copia su secreto de firma en el sistema que recibe los "
                    "avisos."), "success")  # fmt: skip
            return redirect(url_for("organiser.webhook_detail", webhook_id=endpoint.id))
    endpoints = webhooks.list_endpoints(event)
    page = render_template(
        "organiser/webhooks.html", event=event, form=form, endpoints=endpoints,
        counts=webhooks.delivery_counts(endpoints), kind_label=kind_label,
    )  # fmt: skip
    return (page, 400) if form.is_submitted() else page


@bp.route("/api/webhooks/<int:webhook_id>", methods=["GET", "POST"])
@organiser_required
def webhook_detail(webhook_id: int) -> Page:
    """One webhook: its secret, what it receives, its latest deliveries."""
    event = current_event()
    endpoint = _own(event, webhook_id)
    form = EditWebhookForm()
    if not form.is_submitted():
        form.kinds.data = list(endpoint.kinds)
        form.description.data = endpoint.description
        form.active.data = endpoint.active
    elif form.validate_on_submit():
        try:
            webhooks.update_endpoint(endpoint, form.kinds.data or [], form.description.data or "",
                                     bool(form.active.data), actor=actor())  # fmt: skip
        except EndpointRejected as rejected:
            db.session.rollback()
            getattr(form, rejected.field).errors = [describe_rejection(rejected)]
        else:
            db.session.commit()
            flash(_("Webhook guardado."), "success")
            return redirect(url_for("organiser.webhook_detail", webhook_id=endpoint.id))
    page = render_template(
        "organiser/webhooks_detail.html", event=event, endpoint=endpoint, form=form,
        deliveries=webhooks.list_recent_deliveries(endpoint), action_form=ActionForm(),
        kind_label=kind_label, state_label=state_label,
    )  # fmt: skip
    return (page, 400) if form.is_submitted() else page


@bp.post("/api/webhooks/<int:webhook_id>/delete")
@organiser_required
def delete_webhook(webhook_id: int) -> Response:
    event = current_event()
    endpoint = _own(event, webhook_id)
    url = endpoint.url
    webhooks.delete_endpoint(endpoint, actor=actor())
    db.session.commit()
    flash(_("Webhook quitado: %(url)s. Ya no recibe avisos.", url=url), "success")
    return redirect(url_for("organiser.webhooks_page"))


@bp.post("/api/webhooks/<int:webhook_id>/ping")
@organiser_required
def ping_webhook(webhook_id: int) -> Response:
    """Send a test event ("ping") now."""
    endpoint = _own(current_event(), webhook_id)
    if _inactive(endpoint):
        return redirect(url_for("organiser.webhook_detail", webhook_id=endpoint.id))
    webhooks.send_test(endpoint)
    db.session.commit()
    flash(_("Prueba enviada: su resultado aparece abajo en unos segundos (recarga la página)."),
          "success")  # fmt: skip
    return redirect(url_for("organiser.webhook_detail", webhook_id=endpoint.id))


@bp.post("/api/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/resend")
@organiser_required
def resend_webhook_delivery(webhook_id: int, delivery_id: int) -> Response:
    """Send one delivery again, as one more attempt."""
    endpoint = _own(current_event(), webhook_id)
    delivery = webhooks.get_delivery(endpoint, delivery_id)
    if delivery is None:
        abort(404)
    if not _inactive(endpoint):
        webhooks.resend(delivery)
        db.session.commit()
        flash(_("Reenvío en curso: su resultado aparece abajo en unos segundos."), "success")
    return redirect(url_for("organiser.webhook_detail", webhook_id=endpoint.id))


def _own(event: Event, webhook_id: int) -> WebhookEndpoint:
    endpoint = webhooks.get_endpoint(event, webhook_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _inactive(endpoint: WebhookEndpoint) -> bool:
    """Whether nothing can be sent to it now (and the organiser is told why)."""
    if not endpoint.active:
        flash(_("Este webhook está desactivado: actívalo para enviarle algo."), "warning")
    return not endpoint.active
