"""Reviewing the match list: filters, decisions, pairs by hand, blocks, the audit log."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from matchmaker.auth.access import organiser_required
from matchmaker.domain.vocabulary import THEMES
from matchmaker.extensions import db
from matchmaker.ids import page_number, parse_id, parse_ids
from matchmaker.models import AuditEntry, BlockedPair, Event, MatchSuggestion, Participant
from matchmaker.models.matching import SUGGESTION_STATUSES
from matchmaker.organiser import audit_words, bp
from matchmaker.organiser.common import actor, back_within, current_event
from matchmaker.organiser.forms import ActionForm, AddPairForm, ApproveAboveForm, BlockPairForm
from matchmaker.services import audit, decisions, matching, participants
from matchmaker.services.match_review import (
    LANGUAGE_FILTERS,
    MatchFilters,
    match_page,
)
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
            page=page_number(args.get("page")),
        )

    def args(self, **changes: object) -> dict[str, object]:
        values = {"theme": self.theme, "min_score": self.min_score, "status": self.status,
                  "language": self.language, "page": self.page} | changes  # fmt: skip
        return {k: v for k, v in values.items() if v not in ("", None)}


@bp.route("/matches")
@organiser_required
def matches() -> str:
    event = current_event()
    filters = Filters.from_request()
    page = match_page(event, filters)
    filters.page = page.page
    return render_template(
        "organiser/matches.html",
        event=event,
        rows=page.rows,
        total=page.total,
        pages=page.pages,
        filters=filters,
        themes=list(THEMES),
        statuses=SUGGESTION_STATUSES,
        action_form=ActionForm(),
        above_form=ApproveAboveForm(min_score=filters.min_score or 70),
    )


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
        flash(_("%(n)s pares bloqueados no se aprobaron.", n=skipped), "warning")
    return _back()


def _decided_message(status: str, count: int) -> str:
    if status == "approved":
        return _("Aprobadas: %(n)s.", n=count)
    if status == "rejected":
        return _("Rechazadas: %(n)s.", n=count)
    return _("Devueltas a pendiente: %(n)s.", n=count)


@bp.post("/matches/approve-above")
@organiser_required
def approve_above() -> Response:
    event = current_event()
    form = ApproveAboveForm()
    if not form.validate_on_submit():
        flash(_("Indica una puntuación entre 0 y 100."), "error")
        return _back()
    count = decisions.approve_above(event, float(form.min_score.data or 0), actor())
    db.session.commit()
    flash(_("Aprobadas %(n)s sugerencias con puntuación de al menos %(s)s.",
            n=count, s=form.min_score.data), "success")  # fmt: skip
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


def _pair_choices(form: AddPairForm | BlockPairForm, event: Event) -> None:
    people = participants.list_participants(event)
    form.government.choices = [
        (p.id, f"{p.name} — {p.organisation}") for p in people if p.is_government
    ]
    form.partner.choices = [
        (p.id, f"{p.organisation} — {p.name}") for p in people if not p.is_government
    ]
    if request.method == "GET":  # preselected from a row of the match list
        for field in (form.government, form.partner):
            chosen = parse_id(request.args.get(field.name))
            if chosen is not None:
                field.data = chosen


def _pair(form: AddPairForm | BlockPairForm) -> tuple[Participant, Participant]:
    return (db.session.get_one(Participant, form.government.data),
            db.session.get_one(Participant, form.partner.data))  # fmt: skip


@bp.route("/matches/add", methods=["GET", "POST"])
@organiser_required
def add_pair() -> str | Response:
    event = current_event()
    form = AddPairForm()
    _pair_choices(form, event)
    if form.validate_on_submit():
        government, partner = _pair(form)
        score = form.score.data
        try:
            # Racing another organiser, the loser runs again and approves the winner's row.
            commit_or_rerun(lambda: decisions.add_pair(event, government, partner, actor(), score))
        except decisions.PairBlocked:
            db.session.rollback()
            form.partner.errors = [_("Este par está bloqueado.")]
        else:
            flash(_("Par añadido y aprobado: %(g)s ↔ %(p)s.", g=government.name,
                    p=partner.organisation), "success")  # fmt: skip
            return redirect(url_for("organiser.matches", status="approved"))
    return render_template("organiser/pair_form.html", form=form, event=event, mode="add")


@bp.route("/matches/block", methods=["GET", "POST"])
@organiser_required
def block_pair() -> str | Response:
    event = current_event()
    form = BlockPairForm()
    _pair_choices(form, event)
    if form.validate_on_submit():
        government, partner = _pair(form)
        reason = (form.reason.data or "").strip()
        # Racing another organiser, the loser runs again and updates the winner's block.
        commit_or_rerun(lambda: decisions.block_pair(event, government, partner, reason, actor()))
        flash(_("Par bloqueado: %(g)s ↔ %(p)s.", g=government.name, p=partner.organisation),
              "success")  # fmt: skip
        return redirect(url_for("organiser.block_pair"))
    blocks = decisions.list_blocks(event)
    return render_template("organiser/pair_form.html", form=form, event=event, mode="block",
                           blocks=blocks, action_form=ActionForm())  # fmt: skip


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
