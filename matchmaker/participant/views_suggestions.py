"""Suggested counterparts with the reasons, filterable by theme."""

from __future__ import annotations

from flask import render_template, request

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.domain.vocabulary import THEMES, theme_label
from matchmaker.participant import bp, locale
from matchmaker.participant.reasons import describe_reasons
from matchmaker.services.requests import counterpart, list_suggestions, request_states


@bp.route("/suggestions")
@participant_required
def suggestions() -> str:
    participant = current_participant()
    theme = request.args.get("theme") or None
    if theme not in THEMES:
        theme = None
    language = locale()
    rows = [
        {
            "suggestion": s,
            "other": counterpart(s, participant),
            "reasons": describe_reasons(s.reasons, language),
        }
        for s in list_suggestions(participant, theme)
    ]
    return render_template(
        "participant/suggestions.html",
        participant=participant,
        rows=rows,
        theme=theme,
        themes=[(slug, theme_label(slug, language)) for slug in THEMES],
        states=request_states(participant),
        theme_label=lambda slug: theme_label(slug, language),
    )
