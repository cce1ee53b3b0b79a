"""Suggestions and the organisers' decisions on them: approve, reject, block, add by hand.

The calls do what the match list does (``organiser/views_matches.py``) through the same
services (``services.decisions``: the same audit log, and the same late booking once the
schedule is out). Reasons are data, not sentences: theme codes, the quoted sentence pair,
languages, expressed interest. A participant's own suggestions are in ``api.requests``, with
the rest of their side; the schemas and helpers shared with it are here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow.validate import Length, OneOf, Range
from sqlalchemy.exc import IntegrityError

from matchmaker.api.core import (
    api_blueprint,
    current_account,
    get_or_404,
    organiser_event,
)
from matchmaker.api.pagination import PageArgs, page_schema, paged
from matchmaker.api.schemas import StrictSchema
from matchmaker.domain.matching import Strength
from matchmaker.domain.vocabulary import THEMES
from matchmaker.extensions import db
from matchmaker.ids import MAX_ID
from matchmaker.models import BlockedPair, Event, MatchSuggestion, Participant
from matchmaker.models.matching import SUGGESTION_PEOPLE, SUGGESTION_STATUSES
from matchmaker.orm import as_utc
from matchmaker.services import decisions, interest_marks
from matchmaker.services.match_review import select_suggestions
from matchmaker.services.participant_admin import get_event_participant
from matchmaker.services.suggestions import (
    read_reasons,
    stored_fit,
    stored_strength,
)

blp = api_blueprint(
    "suggestions",
    __name__,
    "Suggested pairs and the organisers' decisions on them, blocked and hand-added pairs.",
)
T = TypeVar("T")

KINDS = ("government", "partner")
STRENGTHS = tuple(s.value for s in Strength)
INTEREST = ("none", "one-sided", "mutual")
#: The API's decision verbs and the statuses they set (as the match list's buttons).
VERBS = {"approve": "approved", "reject": "rejected", "reopen": "suggested"}
MAX_DECISIONS = 5000


def id_field(*, strict: bool = True, **kwargs: Any) -> ma.fields.Integer:
    """An id an id column can hold: a JSON integer in a body (``strict``), digits in a query."""
    return ma.fields.Integer(strict=strict, validate=Range(1, MAX_ID), **kwargs)


def storable(value: str) -> None:
    """A text validator: JSON can carry NUL characters and lone surrogates, which no text
    column stores (PostgreSQL refuses both, and neither can be written as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ma.ValidationError(_("El texto contiene caracteres no válidos.")) from None
    if "\x00" in value:
        raise ma.ValidationError(_("El texto contiene caracteres no válidos."))


def text_field(max_length: int, **kwargs: Any) -> ma.fields.String:
    """A free text of at most ``max_length`` characters that a text column can store."""
    return ma.fields.String(validate=[Length(max=max_length), storable], **kwargs)


# Schemas -----------------------------------------------------------------------------------


def doc(description: str) -> dict[str, str]:
    """A field's description in the spec."""
    return {"description": description}


class SuggestionPersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=OneOf(KINDS))
    name = ma.fields.String(required=True)
    organisation = ma.fields.String(required=True)


class SimilarNeedSchema(ma.Schema):
    government_sentence = ma.fields.String(required=True, metadata=doc("the official's challenge"))
    partner_sentence = ma.fields.String(required=True, metadata=doc("the partner's offering"))
    similarity = ma.fields.Float(required=True, allow_none=True,
                                 metadata=doc("cosine of the two sentences"))  # fmt: skip


class PairLanguagesSchema(ma.Schema):
    common = ma.fields.List(ma.fields.String(), required=True,
                            metadata=doc("language codes both speak"))  # fmt: skip
    interpreter_needed = ma.fields.Boolean(required=True)
    government = ma.fields.List(ma.fields.String(), required=True,
                                metadata=doc("the official's language codes"))  # fmt: skip
    partner = ma.fields.List(ma.fields.String(), required=True,
                             metadata=doc("the partner's language codes"))  # fmt: skip


class SuggestionReasonsSchema(ma.Schema):
    """Why the pair was suggested, as stored when it was last computed."""

    themes = ma.fields.List(ma.fields.String(validate=OneOf(list(THEMES))), required=True,
                            metadata=doc("theme codes both work on"))  # fmt: skip
    similar = ma.fields.Nested(SimilarNeedSchema, required=True, allow_none=True, metadata=doc(
        "the most similar need and offering, when similar enough to be quoted"))  # fmt: skip
    languages = ma.fields.Nested(PairLanguagesSchema, required=True)
    interest = ma.fields.String(required=True, validate=OneOf(INTEREST), metadata=doc(
        "explicit interest (requests, proposals, must-meet marks): none, one side, both"
    ))  # fmt: skip
    manual = ma.fields.Boolean(required=True, metadata=doc("added by an organiser"))
    from_profiles = ma.fields.Boolean(required=True, metadata=doc(
        "no computed reasons are stored (a pair added by hand): common languages, and themes "
        "unless stored, come from the profiles as they are now"))  # fmt: skip


class SuggestionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=OneOf(SUGGESTION_STATUSES))
    source = ma.fields.String(required=True, validate=OneOf(("model", "manual")))
    score = ma.fields.Float(required=True)
    strength = ma.fields.String(required=True, allow_none=True, validate=OneOf(STRENGTHS),
                                metadata=doc("calibrated: how well the texts fit"))  # fmt: skip
    fit = ma.fields.Float(required=True, allow_none=True, metadata=doc("0..100, content only"))
    rank_for_government = ma.fields.Integer(required=True, allow_none=True)
    rank_for_partner = ma.fields.Integer(required=True, allow_none=True)
    government = ma.fields.Nested(SuggestionPersonSchema, required=True)
    partner = ma.fields.Nested(SuggestionPersonSchema, required=True)
    reasons = ma.fields.Nested(SuggestionReasonsSchema, required=True)
    blocked = ma.fields.Boolean(required=True)
    must_meet_by = ma.fields.List(ma.fields.Integer(), required=True,
                                  metadata=doc("who of the two marked it must-meet"))  # fmt: skip
    decided_at = ma.fields.AwareDateTime(required=True, allow_none=True)


SuggestionPage = page_schema(SuggestionSchema, "SuggestionPage")


class SuggestionArgs(PageArgs):
    status = ma.fields.String(validate=OneOf(SUGGESTION_STATUSES))
    min_score = ma.fields.Float()
    participant_id = id_field(
        strict=False, metadata=doc("pairs with this participant on either side")
    )
    must_meet = ma.fields.Boolean(metadata=doc(
        "true: pairs one side marked must-meet; false: pairs nobody marked"))  # fmt: skip


class DecisionSchema(StrictSchema):
    decision = ma.fields.String(required=True, validate=OneOf(list(VERBS)),
                                metadata=doc("reopen: back to suggested"))  # fmt: skip
    suggestion_ids = ma.fields.List(
        id_field(), required=True, validate=Length(min=1, max=MAX_DECISIONS)
    )


class DecisionResultSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=OneOf(list(VERBS)))
    decided = ma.fields.Integer(required=True)
    skipped_blocked = ma.fields.Integer(required=True, metadata=doc(
        "blocked pairs left undecided (a blocked pair cannot be approved)"))  # fmt: skip


class PairSchema(StrictSchema):
    government_id = id_field(required=True)
    partner_id = id_field(required=True)


class NewBlockSchema(PairSchema):
    reason = text_field(2000, load_default="")


class NewPairSchema(PairSchema):
    score = ma.fields.Float(load_default=None, allow_none=True, validate=Range(0, 100),
                            metadata=doc("weight when scheduling; 80 if omitted"))  # fmt: skip


class BlockedPairSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    government = ma.fields.Nested(SuggestionPersonSchema, required=True)
    partner = ma.fields.Nested(SuggestionPersonSchema, required=True)
    reason = ma.fields.String(required=True)
    created_at = ma.fields.AwareDateTime(required=True)


BlockedPairPage = page_schema(BlockedPairSchema, "BlockedPairPage")


# Rows as data ------------------------------------------------------------------------------


def person(participant: Participant) -> dict[str, Any]:
    """A participant as the small object suggestions and requests carry."""
    return {"id": participant.id, "kind": participant.kind, "name": participant.name,
            "organisation": participant.organisation}  # fmt: skip


def reasons_data(suggestion: MatchSuggestion) -> dict[str, Any]:
    """The suggestion's reasons as ``SuggestionReasonsSchema`` dumps them."""
    reasons = read_reasons(suggestion)
    similar = reasons.similar
    return {
        "themes": reasons.themes,
        "similar": None if similar is None else {
            "government_sentence": similar.government_sentence,
            "partner_sentence": similar.partner_sentence, "similarity": similar.similarity},
        "languages": {"common": reasons.common_languages,
                      "interpreter_needed": reasons.interpreter_needed,
                      "government": reasons.government_languages,
                      "partner": reasons.partner_languages},
        "interest": reasons.interest, "manual": reasons.manual,
        "from_profiles": reasons.from_profiles,
    }  # fmt: skip


def suggestion_items(event: Event, suggestions: list[MatchSuggestion]) -> list[dict[str, Any]]:
    """The organisers' view of these suggestions (blocks and marks read once for all)."""
    blocked = decisions.blocked_pairs(event)
    wanted = interest_marks.wanted_by((s.government_id, s.partner_id) for s in suggestions)
    strength = {s.id: stored_strength(s) for s in suggestions}
    return [
        {
            "id": s.id, "status": s.status, "source": s.source, "score": s.score,
            "strength": strength[s.id].value if strength[s.id] else None, "fit": stored_fit(s),
            "rank_for_government": s.rank_for_government,
            "rank_for_partner": s.rank_for_partner,
            "government": person(s.government), "partner": person(s.partner),
            "reasons": reasons_data(s),
            "blocked": (s.government_id, s.partner_id) in blocked,
            "must_meet_by": sorted(wanted.get((s.government_id, s.partner_id), ())),
            "decided_at": as_utc(s.decided_at) if s.decided_at else None,
        }
        for s in suggestions
    ]  # fmt: skip


def _pair_of(event: Event, body: dict[str, Any]) -> tuple[Participant, Participant]:
    """The official and the partner the body names, else 422 pointing at each wrong id."""
    government = get_event_participant(event, body["government_id"])
    partner = get_event_participant(event, body["partner_id"])
    errors = []
    if government is None or not government.is_government:
        errors.append(
            {"pointer": "#/government_id", "detail": _("No es un funcionario/a de este evento.")}
        )
    if partner is None or partner.is_government:
        errors.append({"pointer": "#/partner_id", "detail": _("No es un socio de este evento.")})
    if government is None or partner is None or errors:
        abort(422, errors=errors)
    return government, partner


def _rerun_on_conflict(work: Callable[[], T]) -> T:
    """``work`` (which flushes); when another call inserted the same pair first, once more
    after a rollback: it then finds that row, as ``transactions.commit_or_rerun`` does."""
    try:
        return work()
    except IntegrityError:
        db.session.rollback()
    try:
        return work()
    except IntegrityError:
        db.session.rollback()
        abort(
            409,
            message=_(
                "Otra solicitud cambió esto al mismo tiempo. Vuelve a leerlo e inténtalo de nuevo."
            ),
        )


# Organisers --------------------------------------------------------------------------------


@blp.route("/events/<int:event_id>/suggestions")
@blp.arguments(SuggestionArgs, location="query")
@blp.response(200, SuggestionPage)
@blp.problems(403, 404, 422)
def list_suggestions(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's suggestions in id order, filtered by status, score, participant or
    must-meet marks."""
    event = organiser_event(event_id)
    query = select_suggestions(
        event,
        status=args.get("status"),
        min_score=args.get("min_score"),
        participant_id=args.get("participant_id"),
        must_meet=args.get("must_meet"),
    ).options(*SUGGESTION_PEOPLE)
    page = paged(query, MatchSuggestion.id, args)
    return {**page, "items": suggestion_items(event, list(page["items"]))}


@blp.route("/events/<int:event_id>/suggestions/<int:suggestion_id>")
@blp.response(200, SuggestionSchema)
@blp.problems(403, 404)
def get_suggestion(event_id: int, suggestion_id: int) -> dict[str, Any]:
    """One suggestion with both sides and its reasons."""
    event = organiser_event(event_id)
    suggestion = get_or_404(MatchSuggestion, suggestion_id, event=event)
    return suggestion_items(event, [suggestion])[0]


@blp.route("/events/<int:event_id>/decisions", methods=["POST"])
@blp.arguments(DecisionSchema)
@blp.response(200, DecisionResultSchema)
@blp.problems(400, 403, 404, 422)
def decide(body: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Approve, reject or reopen suggestions of the event, all or none: an id that is not one
    of the event's suggestions refuses the call. Blocked pairs are never approved (counted in
    ``skipped_blocked``); once the schedule is out an approved pair is booked by a worker."""
    event = organiser_event(event_id)
    ids: list[int] = body["suggestion_ids"]
    known = set(
        db.session.execute(
            db.select(MatchSuggestion.id).where(
                MatchSuggestion.event_id == event.id, MatchSuggestion.id.in_(sorted(set(ids)))
            )
        ).scalars()
    )
    unknown = [
        {"pointer": f"#/suggestion_ids/{n}", "detail": _("No es una sugerencia de este evento.")}
        for n, number in enumerate(ids)
        if number not in known
    ]
    if unknown:
        abort(
            422,
            message=_("Nada se decidió: hay ids que no son sugerencias de este evento."),
            errors=unknown,
        )
    decided, skipped = decisions.decide_many(event, ids, VERBS[body["decision"]], current_account())
    return {"decision": body["decision"], "decided": decided, "skipped_blocked": skipped}


@blp.route("/events/<int:event_id>/pairs", methods=["POST"])
@blp.arguments(NewPairSchema)
@blp.response(201, SuggestionSchema)
@blp.problems(400, 403, 404, 409, 422)
@blp.idempotent
def add_pair(body: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Approve a pair chosen by hand (its suggestion, made if there is none: source "manual").
    A blocked pair is a 409."""
    event = organiser_event(event_id)
    government, partner = _pair_of(event, body)
    try:
        suggestion = _rerun_on_conflict(
            lambda: decisions.add_pair(event, government, partner, current_account(), body["score"])
        )
    except decisions.PairBlocked:
        abort(409, message=_("Este par está bloqueado: retira el bloqueo para añadirlo."))
    return suggestion_items(event, [suggestion])[0]


@blp.route("/events/<int:event_id>/blocked-pairs")
@blp.arguments(PageArgs, location="query")
@blp.response(200, BlockedPairPage)
@blp.problems(403, 404, 422)
def list_blocks(args: dict[str, Any], event_id: int) -> dict[str, Any]:
    """The event's blocked pairs, in id order."""
    event = organiser_event(event_id)
    query = db.select(BlockedPair).where(BlockedPair.event_id == event.id)
    page = paged(query, BlockedPair.id, args)
    return {**page, "items": [_block_data(b) for b in page["items"]]}


@blp.route("/events/<int:event_id>/blocked-pairs", methods=["POST"])
@blp.arguments(NewBlockSchema)
@blp.response(201, BlockedPairSchema)
@blp.problems(400, 403, 404, 409, 422)
@blp.idempotent
def block_pair(body: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Forbid a pair: never suggested, approved or scheduled again (its suggestion is
    rejected; a booked meeting stays). Blocking a blocked pair updates its reason."""
    event = organiser_event(event_id)
    government, partner = _pair_of(event, body)
    reason = body["reason"].strip()
    block = _rerun_on_conflict(
        lambda: decisions.block_pair(event, government, partner, reason, current_account())
    )
    return _block_data(block)


@blp.route("/events/<int:event_id>/blocked-pairs/<int:block_id>", methods=["DELETE"])
@blp.response(204)
@blp.problems(403, 404)
def unblock_pair(event_id: int, block_id: int) -> None:
    """Lift a block; the pair's suggestion stays rejected until someone decides again."""
    event = organiser_event(event_id)
    decisions.unblock_pair(get_or_404(BlockedPair, block_id, event=event), current_account())


def _block_data(block: BlockedPair) -> dict[str, Any]:
    return {
        "id": block.id,
        "government": person(block.government),
        "partner": person(block.partner),
        "reason": block.reason,
        "created_at": as_utc(block.created_at),
    }
