"""Reviewing the match list: filters, decisions, pairs by hand, blocks, the audit log."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.dates import reader_locale
from matchmaker.domain.vocabulary import THEMES
from matchmaker.extensions import db
from matchmaker.fragments import fragment_cache
from matchmaker.ids import page_number, parse_ids
from matchmaker.models import AuditEntry, BlockedPair, Event, MatchSuggestion
from matchmaker.models.matching import SUGGESTION_STATUSES
from matchmaker.organiser import audit_words, bp, pickers
from matchmaker.organiser.common import actor, back_within, current_event
from matchmaker.organiser.forms import ActionForm, AddPairForm, ApproveAboveForm, BlockPairForm
from matchmaker.services import audit, decisions, matching
from matchmaker.services.match_review import (
    LANGUAGE_FILTERS,
    MatchFilters,
    match_page,
)
from matchmaker.services.versions import data_version
from matchmaker.transactions import commit_or_rerun

PAGE_SIZE = 50
VERBS = {"approve": "approved", "reject": "rejected", "reopen": "suggested"}


class Filters(MatchFilters):
    """The match list's filters as the page's query string carries them."""

    @classmethod
    def from_request(cls) -> Filters:
        """Unknown values filter nothing (a hand-edited URL never fails)."""
        args = request.args
        theme = args.get("theme", "")
        status = args.get("status", "")
        language = args.get("language", "")
        return cls(
            theme=theme if theme in THEMES else "",
            min_score=args.get("min_score", type=float),
            status=status if status in (*SUGGESTION_STATUSES, "blocked") else "",
            language=language if language in LANGUAGE_FILTERS else "",
            wanted=args.get("wanted") == "1",
            page=page_number(args.get("page")),
        )

    def args(self, **changes: object) -> dict[str, object]:
        values = {"theme": self.theme, "min_score": self.min_score, "status": self.status,
                  "language": self.language, "wanted": "1" if self.wanted else "",
                  "page": self.page} | changes  # fmt: skip
        return {k: v for k, v in values.items() if v not in ("", None)}


@bp.route("/matches")
@organiser_required
def matches() -> str:
    """The filters and the page of pairs they pass; the list is rendered once per version of
    what it shows (``_match_list``), for every organiser who asks."""
    event = current_event()
    filters = Filters.from_request()
    match_list = fragment_cache("match-list").get(
        (event.id, reader_locale(), tuple(sorted(filters.args().items()))),
        data_version(event, MATCH_LIST_DATA),
        lambda: _match_list(event, filters),
    )
    return render_template(
        "organiser/matches.html",
        event=event,
        match_list=Markup(match_list),
        filters=filters,
        themes=list(THEMES),
        statuses=SUGGESTION_STATUSES,
        action_form=ActionForm(),
        above_form=ApproveAboveForm(min_score=filters.min_score or 70),
    )


#: What the match list shows: the pairs (score, reasons, decision), both sides' profiles
#: (names, languages), blocks and the "wants to meet" marks.
MATCH_LIST_DATA = ("suggestions", "participants", "blocks", "marks")


def _match_list(event: Event, filters: Filters) -> str:
    """One page of the match list, the same for every organiser (matchmaker.fragments)."""
    page = match_page(event, filters)
    shown = replace(filters, page=page.page)  # a page past the last shows the last
    return render_template("organiser/_match_list.html", rows=page.rows, total=page.total,
                           pages=page.pages, filters=shown)  # fmt: skip


def _back() -> Response:
    return back_within("/organiser/matches", "organiser.matches")


@bp.post("/matches/<int:suggestion_id>/decide")
@organiser_required
def decide_one(suggestion_id: int) -> Response:
    event = current_event()
    status = VERBS.get(request.form.get("decision", ""))
    suggestion = db.session.get(MatchSuggestion, suggestion_id)
    if not ActionForm().validate_on_submit() or status is None:
        flash(_("No se pudo registrar la decisión: vuelve a intentarlo."), "error")
        return _back()
    if suggestion is None or suggestion.event_id != event.id:
        flash(_("Esa sugerencia ya no existe."), "warning")
        return _back()
    try:
        decisions.decide(suggestion, status, actor())
    except decisions.PairBlocked:
        db.session.rollback()
        flash(_("Este par está bloqueado: no se puede aprobar."), "error")
        return _back()
    db.session.commit()
    flash(_decided_message(status, 1), "success")
    return _back()


@bp.post("/matches/decide")
@organiser_required
def decide_selection() -> Response:
    event = current_event()
    status = VERBS.get(request.form.get("decision", ""))
    ids = parse_ids(request.form.getlist("ids"))
    if not ActionForm().validate_on_submit() or status is None:
        flash(_("No se pudo registrar la decisión: vuelve a intentarlo."), "error")
        return _back()
    if not ids:
        flash(_("No has seleccionado ninguna sugerencia."), "warning")
        return _back()
    decided, skipped = decisions.decide_many(event, ids, status, actor())
    db.session.commit()
    flash(_decided_message(status, decided), "success")
    if skipped:
        left = ngettext("%(num)d par bloqueado no se aprobó.",
                        "%(num)d pares bloqueados no se aprobaron.", skipped)  # fmt: skip
        flash(left, "warning")
    return _back()


def _decided_message(status: str, count: int) -> str:
    if status == "approved":
        return ngettext("%(num)d sugerencia aprobada.", "%(num)d sugerencias aprobadas.", count)
    if status == "rejected":
        return ngettext("%(num)d sugerencia rechazada.", "%(num)d sugerencias rechazadas.", count)
    return ngettext("%(num)d sugerencia devuelta a pendiente.",
                    "%(num)d sugerencias devueltas a pendiente.", count)  # fmt: skip


@bp.post("/matches/approve-above")
@organiser_required
def approve_above() -> Response | str:
    """First how many pairs a score threshold approves and what follows; then, confirmed, do it."""
    event = current_event()
    form = ApproveAboveForm()
    if not form.validate_on_submit():
        flash(_("Indica una puntuación entre 0 y 100."), "error")
        return _back()
    min_score = float(form.min_score.data or 0)
    if request.form.get("confirmed") != "1":
        return render_template("organiser/confirm_approve_above.html", event=event,
                               form=form, score_text=format_decimal(min_score),
                               back=_back().location,
                               preview=decisions.approve_above_preview(event, min_score),
                               mail_configured=bool(current_app.config["SMTP_URL"]))  # fmt: skip
    count = decisions.approve_above(event, min_score, actor())
    db.session.commit()
    flash(ngettext("Aprobada %(num)d sugerencia con puntuación de al menos %(s)s.",
                   "Aprobadas %(num)d sugerencias con puntuación de al menos %(s)s.",
                   count, s=form.min_score.data), "success")  # fmt: skip
    return _back()


@bp.post("/matches/recompute")
@organiser_required
def recompute() -> Response:
    """Note that suggestions are due, commit, then let a worker recompute them."""
    event = current_event()
    if ActionForm().validate_on_submit():
        matching.request_recompute(event)
        audit.record("suggestions.recompute", actor=actor(), event_id=event.id)
        db.session.commit()  # the recomputation is sent to a worker after it
        flash(_("Recalculando sugerencias: la lista se actualizará en unos minutos."), "success")
    return _back()


@bp.route("/matches/add", methods=["GET", "POST"])
@organiser_required
def add_pair() -> str | Response:
    event = current_event()
    form = AddPairForm()
    pickers.preselect(form, event)
    if form.validate_on_submit() and (pair := pickers.chosen_pair(form, event)) is not None:
        government, partner = pair
        score = form.score.data
        try:
            # Racing another organiser, the loser runs again and approves the winner's row.
            commit_or_rerun(lambda: decisions.add_pair(event, government, partner, actor(), score))
        except decisions.PairBlocked:
            db.session.rollback()
            form.partner_query.errors = [_("Este par está bloqueado.")]
        else:
            flash(_("Par añadido y aprobado: %(g)s ↔ %(p)s.", g=government.name,
                    p=partner.organisation), "success")  # fmt: skip
            return redirect(url_for("organiser.matches", status="approved"))
    page = render_template("organiser/pair_form.html", form=form, event=event, mode="add")
    return make_response(page, 400 if request.method == "POST" else 200)


@bp.route("/matches/block", methods=["GET", "POST"])
@organiser_required
def block_pair() -> str | Response:
    event = current_event()
    form = BlockPairForm()
    pickers.preselect(form, event)
    if form.validate_on_submit() and (pair := pickers.chosen_pair(form, event)) is not None:
        government, partner = pair
        reason = (form.reason.data or "").strip()
        # Racing another organiser, the loser runs again and updates the winner's block.
        commit_or_rerun(lambda: decisions.block_pair(event, government, partner, reason, actor()))
        flash(_("Par bloqueado: %(g)s ↔ %(p)s.", g=government.name, p=partner.organisation),
              "success")  # fmt: skip
        return redirect(url_for("organiser.block_pair"))
    blocks = decisions.list_blocks(event)
    page = render_template("organiser/pair_form.html", form=form, event=event, mode="block",
                           blocks=blocks, action_form=ActionForm())  # fmt: skip
    return make_response(page, 400 if request.method == "POST" else 200)


@bp.post("/blocks/<int:block_id>/delete")
@organiser_required
def unblock_pair(block_id: int) -> Response:
    event = current_event()
    block = db.session.get(BlockedPair, block_id)
    if ActionForm().validate_on_submit() and block is not None and block.event_id == event.id:
        decisions.unblock_pair(block, actor())
        db.session.commit()
        flash(_("Bloqueo retirado."), "success")
    return redirect(url_for("organiser.block_pair"))


@bp.route("/audit")
@organiser_required
def audit_log() -> str:
    event = current_event()
    # Entries of no event (accounts, organisers) belong to every event's log.
    of_event = db.or_(AuditEntry.event_id == event.id, AuditEntry.event_id.is_(None))
    query = (
        db.select(AuditEntry)
        .where(of_event)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    total = db.session.execute(
        db.select(db.func.count()).select_from(AuditEntry).where(of_event)
    ).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = page_number(request.args.get("page"), last=pages)
    entries = list(
        db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).scalars()
    )
    subjects = audit.load_subjects(event, entries)
    lines = [(entry, audit_words.describe(entry, subjects, event)) for entry in entries]
    return render_template("organiser/audit.html", event=event, lines=lines,
                           page=page, pages=pages, total=total)  # fmt: skip
