"""The API page: organisers make, name and revoke the bearer tokens of the public API.

A token's secret is shown once, in the answer to the form that made it, and never kept: only
its hash is stored (``matchmaker.services.api_tokens``), so no later page can show it again.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.extensions import db
from matchmaker.labels import label_of
from matchmaker.models import Event, User
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, current_event
from matchmaker.organiser.forms import ActionForm
from matchmaker.organiser.forms_api import ApiTokenForm
from matchmaker.services import api_tokens
from matchmaker.services.events import EventNotFound

#: What each kind of account may reach with its token, in words.
ROLE_LABELS = {
    "organiser": _l("Organización"),
    "official": _l("Funcionario/a"),
    "partner": _l("Socio"),
}


@bp.route("/api", methods=["GET", "POST"])
@organiser_required
def api_page() -> str:
    """Every token, and the form that makes one (its secret shown on the next page only)."""
    form = ApiTokenForm()
    if form.validate_on_submit():
        account = _chosen_account(form)
        if account is not None:
            made = api_tokens.create_token(account, form.name.data or "", actor=actor())
            db.session.commit()
            return render_template("organiser/api_token_created.html", token=made.token,
                                   secret=made.secret, role_label=_role_label)  # fmt: skip
    return render_template("organiser/api.html", form=form, tokens=api_tokens.list_tokens(),
                           event=_clock_event(), role_label=_role_label)  # fmt: skip


@bp.route("/api/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@organiser_required
def revoke_api_token(token_id: int) -> str | Response:
    """First what the token is and who uses it; then, confirmed, it stops working at once."""
    token = api_tokens.get_token(token_id)
    if token is None:
        abort(404)
    if token.revoked_at is not None:
        flash(_("Esa clave ya estaba revocada."), "warning")
        return redirect(url_for("organiser.api_page"))
    action_form = ActionForm()
    if request.method == "POST" and action_form.validate_on_submit():
        api_tokens.revoke_token(token, actor=actor())
        db.session.commit()
        flash(_("Clave revocada: «%(name)s». Ya no abre la API.", name=token.name), "success")
        return redirect(url_for("organiser.api_page"))
    return render_template("organiser/api_token_revoke.html", token=token,
                           action_form=action_form, event=_clock_event(),
                           role_label=_role_label)  # fmt: skip


def _chosen_account(form: ApiTokenForm) -> User | None:
    """The account the new token acts as: the organiser's own unless an email is given; None
    (with the field's error) when no usable account has that email."""
    email = (form.account.data or "").strip()
    if not email:
        return actor()
    account = api_tokens.find_account(email)
    if account is None:
        form.account.errors.append(_("No hay ninguna cuenta con ese correo."))
        return None
    if not account.active:
        form.account.errors.append(
            _("Esa cuenta está desactivada: una clave suya no funcionaría. Reactívala primero.")
        )
        return None
    return account


def _clock_event() -> Event | None:
    """Times are read on the chosen event's clock, like the rest of the area; tokens belong to
    no event, so before there is one they are read in UTC."""
    try:
        return current_event()
    except EventNotFound:
        return None


def _role_label(role: str) -> str:
    return label_of(ROLE_LABELS, role)
