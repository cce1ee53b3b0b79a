"""Suggested counterparts with the reasons, filterable by theme."""

from __future__ import annotations

from flask import render_template, request

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.dates import reader_locale
from matchmaker.domain.vocabulary import THEMES, theme_label
from matchmaker.participant import bp
from matchmaker.participant.reasons import describe_reasons
from matchmaker.services.requests import request_states
from matchmaker.services.suggestions import counterpart, list_suggestions


@bp.route("/suggestions")
@participant_required
def suggestions() -> str:
    participant = current_participant()
    theme = request.args.get("theme") or None
    if theme not in THEMES:
        theme = None
    language = reader_locale()
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
