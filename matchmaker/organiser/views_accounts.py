"""Accounts: create them for imported participants and invite people to choose a password."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from matchmaker import background
from matchmaker.auth.access import organiser_required
from matchmaker.dates import reader_locale
from matchmaker.domain.vocabulary import KINDS
from matchmaker.extensions import db
from matchmaker.fragments import fragment_cache
from matchmaker.ids import page_number, parse_ids
from matchmaker.models import Event, User
from matchmaker.organiser import bp
from matchmaker.organiser.common import actor, current_event
from matchmaker.organiser.forms import ActionForm, OrganiserAccountForm
from matchmaker.services import audit, invitations
from matchmaker.services.accounts import AccountError
from matchmaker.services.versions import data_version, kept_while_unchanged
from matchmaker.urls import has_public_address, public_base_url

#: Participants per page of the accounts list (as many as the match list shows: each row
#: costs rendering time, and 100 made it one of the slowest organiser pages).
PAGE_SIZE = 50


@bp.get("/accounts")
@organiser_required
def accounts() -> str:
    """The figures, the filters and one page of the list, which is rendered once per version
    of the participants and their accounts (``_account_list``) for every organiser."""
    event = current_event()
    kind, status = request.args.get("kind", ""), request.args.get("status", "")
    search = request.args.get("q", "").strip()
    filters = invitations.AccountFilters(
        kind=kind if kind in KINDS else "",
        status=status if status in invitations.STATUSES else "",
        search=search,
    )
    page = page_number(request.args.get("page"))
    counts = kept_while_unchanged(
        ("account-statuses", event.id), lambda: invitations.status_counts(event)
    )
    account_list = fragment_cache("account-list").get(
        (event.id, reader_locale(), filters, page),
        data_version(event, ACCOUNT_LIST_DATA),
        lambda: _account_list(event, filters, page, total=sum(counts.values())),
    )
    organisers = db.session.execute(
        db.select(User).where(User.role == "organiser").order_by(User.email)
    ).scalars()
    return render_template(
        "organiser/accounts.html", event=event, account_list=Markup(account_list),
        kind=filters.kind, status=filters.status, search=search, counts=counts,
        organisers=list(organisers), action_form=ActionForm(),
        organiser_form=OrganiserAccountForm(), days=invitations.INVITATION_MAX_AGE.days,
        pending=sum(counts.get(code, 0) for code in invitations.NOT_JOINED),
    )  # fmt: skip


#: What the accounts list shows: the participants and their accounts' state.
ACCOUNT_LIST_DATA = ("participants", "accounts")


def _account_list(event: Event, filters: invitations.AccountFilters, page: int, total: int) -> str:
    """One page of the accounts list, the same for every organiser (matchmaker.fragments)."""
    shown = invitations.account_page(event, filters, page, PAGE_SIZE)
    arguments = {"kind": filters.kind, "status": filters.status, "q": filters.search}
    return render_template(
        "organiser/_account_list.html", event=event, rows=shown.rows, total=total,
        matching=shown.matching, page=shown.page, pages=shown.pages,
        filters={k: v for k, v in arguments.items() if v},
    )  # fmt: skip


@bp.post("/accounts/invite")
@organiser_required
def invite_participants() -> str | Response:
    """Create the missing accounts of a scope of participants and invite them."""
    event = current_event()
    scope = request.form.get("scope", "")
    if not ActionForm().validate_on_submit() or scope not in invitations.SCOPES:
        flash(_("No se pudo enviar: vuelve a intentarlo."), "error")
        return redirect(url_for("organiser.accounts"))
    if not has_public_address():
        return _no_public_address()
    chosen = parse_ids(request.form.getlist("ids"))
    result = invitations.invite_participants(event, scope, chosen)
    if result.invited or result.skipped:
        audit.record("accounts.invited", actor=actor(), event_id=event.id, scope=scope,
                     created=len(result.created), invited=len(result.invited),
                     skipped=[p.external_id for p in result.skipped])  # fmt: skip
    if result.skipped:
        flash(_("Sin cuenta (su correo ya lo usa otra cuenta): %(names)s.",
                names=", ".join(p.name for p in result.skipped)), "warning")  # fmt: skip
    if not result.invited:
        db.session.commit()
        flash(_("No había nadie a quien invitar."), "warning")
        return redirect(url_for("organiser.accounts"))
    return _deliver(result.invited)


@bp.post("/accounts/organisers")
@organiser_required
def add_organiser() -> str | Response:
    form = OrganiserAccountForm()
    if not has_public_address():
        return _no_public_address()
    if not form.validate_on_submit():
        for error in form.email.errors:
            flash(str(error), "error")
        return redirect(url_for("organiser.accounts"))
    try:
        user = invitations.create_organiser_account(form.email.data or "")
    except AccountError:
        db.session.rollback()
        flash(_("Ya existe una cuenta con ese correo."), "error")
        return redirect(url_for("organiser.accounts"))
    audit.record("account.created", actor=actor(), event_id=None, target=user, role="organiser")
    return _deliver(invitations.invite([user]))


@bp.post("/accounts/<int:user_id>/active")
@organiser_required
def set_account_active(user_id: int) -> Response:
    """Deactivate an account (it can no longer log in) or reactivate it."""
    user = db.session.get(User, user_id)
    wanted = request.form.get("active", "")
    if not ActionForm().validate_on_submit() or wanted not in ("0", "1") or user is None:
        flash(_("No se pudo cambiar la cuenta: vuelve a intentarlo."), "error")
        return redirect(url_for("organiser.accounts"))
    if user.id == actor().id:
        flash(_("No puedes desactivar tu propia cuenta."), "error")
        return redirect(url_for("organiser.accounts"))
    user.active = wanted == "1"
    audit.record("account.activated" if user.active else "account.deactivated",
                 actor=actor(), event_id=None, target=user)  # fmt: skip
    db.session.commit()
    flash(_("Cuenta activada.") if user.active else _("Cuenta desactivada."), "success")
    return redirect(url_for("organiser.accounts"))


def _no_public_address() -> Response:
    """Invitation links carry the site's public address; without one nothing is created."""
    flash(_("No se puede invitar todavía: falta la dirección pública del sitio "
            "(MATCHMAKER_BASE_URL), que va en cada enlace. Pide a quien administra el "
            "servidor que la configure."), "error")  # fmt: skip
    return redirect(url_for("organiser.accounts"))


def _deliver(users: list[User]) -> str | Response:
    """Mail the links through a worker when SMTP is configured; else show them to hand out."""
    config = current_app.config
    if config["SMTP_URL"]:
        background.enqueue("send_account_invitations", public_base_url())
        db.session.commit()
        sent = ngettext("%(num)d invitación en camino por correo.",
                        "%(num)d invitaciones en camino por correo.", len(users))  # fmt: skip
        flash(sent, "success")
        return redirect(url_for("organiser.accounts"))
    links = invitations.hand_out(users, config["SECRET_KEY"], public_base_url())
    db.session.commit()
    return render_template("organiser/invitation_links.html", links=links,
                           days=invitations.INVITATION_MAX_AGE.days)  # fmt: skip
