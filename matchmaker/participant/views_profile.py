"""Editing one's own profile."""

from __future__ import annotations

from itertools import groupby

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.dates import reader_locale
from matchmaker.extensions import db
from matchmaker.page_cache import kept_page
from matchmaker.participant import bp
from matchmaker.participant.forms import ProfileForm
from matchmaker.services.profiles import (
    ProfileChanges,
    ProfileError,
    update_profile,
)


@bp.route("/profile", methods=["GET", "POST"])
@kept_page
@participant_required
def profile() -> str | Response:
    participant = current_participant()
    event = participant.event
    slots = event.calendar().slots
    form = ProfileForm(
        is_government=participant.is_government, locale=reader_locale(), num_slots=len(slots),
        spoken=participant.languages,
    )  # fmt: skip
    if not form.is_submitted():
        form.themes.data = list(participant.themes)
        form.description.data = participant.description
        form.languages.data = list(participant.languages)
        form.present.data = [s.index for s in slots if s.index not in participant.unavailable]
        form.max_meetings.data = participant.max_meetings
    if form.validate_on_submit():
        changes = ProfileChanges(
            themes=form.themes.data or [],
            description=form.description.data or "",
            languages=form.languages.data or [],
            present_slots=form.present.data or [],
            max_meetings=form.max_meetings.data,
        )
        try:
            update_profile(participant, changes)
        except ProfileError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors = [_("Valor no válido.")]
        else:
            db.session.commit()  # suggestions are recomputed after it, if matching changed
            flash(_("Perfil guardado."), "success")
            return redirect(url_for("participant.profile"))
    days = [(day, list(day_slots)) for day, day_slots in groupby(slots, key=lambda s: s.day)]
    return render_template(
        "participant/profile.html",
        participant=participant,
        event=event,
        form=form,
        days=days,
        present=set(form.present.data or []),
    )
