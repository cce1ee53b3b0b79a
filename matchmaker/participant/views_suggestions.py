"""Suggested counterparts with their strength and reasons, filterable by theme."""

from __future__ import annotations

from flask import render_template, request

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.dates import reader_locale
from matchmaker.domain.vocabulary import THEMES, theme_label
from matchmaker.page_cache import kept_page
from matchmaker.participant import bp
from matchmaker.participant.reasons import Reader, describe_reasons, strength_words
from matchmaker.participant.views_directory import MarkForm
from matchmaker.services import interest_marks
from matchmaker.services.requests import request_states
from matchmaker.services.suggestions import (
    counterpart,
    participant_suggestions,
    stored_strength,
)


@bp.route("/suggestions")
@kept_page
@participant_required
def suggestions() -> str:
    participant = current_participant()
    theme = request.args.get("theme") or None
    if theme not in THEMES:
        theme = None
    language = reader_locale()
    reader: Reader = "government" if participant.is_government else "partner"
    listed = participant_suggestions(participant, theme)
    rows = [
        {
            "suggestion": s,
            "other": counterpart(s, participant),
            "strength": stored_strength(s),
            "strength_words": strength_words(stored_strength(s)),
            "reasons": describe_reasons(s.reasons, language, reader),
        }
        for s in listed.shown
    ]
    return render_template(
        "participant/suggestions.html",
        participant=participant,
        rows=rows,
        weak_left_out=listed.weak_left_out,
        theme=theme,
        themes=[(slug, theme_label(slug, language)) for slug in THEMES],
        states=request_states(participant),
        marks=interest_marks.marks_of(participant, [row["other"].id for row in rows]),
        mark_form=MarkForm(),
        dismissed=interest_marks.list_dismissed(participant),
        theme_label=lambda slug: theme_label(slug, language),
    )
