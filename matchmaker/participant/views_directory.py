"""The directory of the other side, a counterpart's profile, and must-meet / not-interested.

Only the other side of the reader's own event is listed or shown: anyone else's id answers
404, like an id that does not exist.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from matchmaker.auth.access import current_participant, participant_required
from matchmaker.dates import reader_locale
from matchmaker.domain.vocabulary import LANGUAGES, ORGANISATION_TYPES, THEMES, theme_label
from matchmaker.error_pages import render_error
from matchmaker.ids import page_number
from matchmaker.labels import (
    country_name,
    language_name,
    languages_label,
    organisation_type_label,
)
from matchmaker.models import Mark, Participant
from matchmaker.participant import bp
from matchmaker.services import directory, interest_marks
from matchmaker.services.matching import request_recompute
from matchmaker.services.requests import request_states
from matchmaker.transactions import commit_or_rerun
from matchmaker.urls import safe_redirect_target

#: The mark form's value that removes the mark.
NO_MARK = "none"


class MarkForm(FlaskForm):
    """Mark someone must-meet or not interested, or remove the mark (CSRF-protected)."""

    mark = SelectField(
        choices=[Mark.MUST_MEET.value, Mark.NOT_INTERESTED.value, NO_MARK],
        validators=[InputRequired()],
    )
    #: The page to go back to (a path under /me/); the profile page otherwise.
    next = HiddenField()


def _filters() -> directory.DirectoryFilters:
    args = request.args
    return directory.DirectoryFilters(
        query=args.get("q", ""),
        organisation_type=args.get("type", ""),
        theme=args.get("theme", ""),
        language=args.get("language", ""),
        country=args.get("country", ""),
        marked=args.get("marked", ""),
        page=page_number(args.get("page")),
    )


def _query_args(filters: directory.DirectoryFilters) -> dict[str, str]:
    """The filters as the pager's links carry them (empty ones left out)."""
    values = {"q": filters.query, "type": filters.organisation_type, "theme": filters.theme,
              "language": filters.language, "country": filters.country,
              "marked": filters.marked}  # fmt: skip
    return {key: value for key, value in values.items() if value}


@bp.route("/directory")
@participant_required
def directory_list() -> str:
    participant = current_participant()
    filters = _filters().cleaned(participant)
    page = directory.directory_page(participant, filters)
    filters.page = page.page
    language = reader_locale()
    return render_template(
        "participant/directory.html",
        participant=participant,
        people=page.people,
        total=page.total,
        pages=page.pages,
        filters=filters,
        query_args=_query_args(filters),
        marks=interest_marks.marks_of(participant, [p.id for p in page.people]),
        **_filter_choices(participant, language),
        theme_label=lambda slug: theme_label(slug, language),
        languages_label=languages_label,
        country_name=country_name,
        type_label=organisation_type_label,
        form=MarkForm(),
    )


def _filter_choices(participant: Participant, language: str) -> dict[str, list[tuple[str, str]]]:
    """(value, label) options of the directory's filters, in the reader's language."""
    kind = directory.other_kind(participant)
    countries = directory.directory_countries(participant)
    return {
        "types": [(code, organisation_type_label(code)) for code in ORGANISATION_TYPES[kind]],
        "themes": [(slug, theme_label(slug, language)) for slug in THEMES],
        "languages": [(code, language_name(code)) for code in LANGUAGES],
        "countries": [(code, country_name(code, language)) for code in countries],
    }


def _counterpart_or_404(participant: Participant, other_id: int) -> Participant:
    other = directory.get_counterpart(participant, other_id)
    if other is None:
        abort(404)
    return other


@bp.route("/people/<int:participant_id>")
@participant_required
def person(participant_id: int) -> str:
    participant = current_participant()
    other = _counterpart_or_404(participant, participant_id)
    language = reader_locale()
    return render_template(
        "participant/person.html",
        participant=participant,
        other=other,
        mark=interest_marks.get_mark(participant, other.id),
        state=request_states(participant).get(other.id),
        theme_label=lambda slug: theme_label(slug, language),
        languages_label=languages_label,
        country_name=country_name,
        type_label=organisation_type_label,
        form=MarkForm(),
    )


@bp.post("/people/<int:participant_id>/mark")
@participant_required
def mark_person(participant_id: int) -> Response | tuple[str, int]:
    participant = current_participant()
    other = _counterpart_or_404(participant, participant_id)
    form = MarkForm()
    if not form.validate_on_submit():
        return render_error(
            400,
            _("Marca no válida"),
            _("Elige «Quiero reunirme», «No me interesa» o «Deshacer» y vuelve a intentarlo."),
        )
    mark = None if form.mark.data == NO_MARK else Mark(form.mark.data)

    def work() -> None:
        if interest_marks.set_mark(participant, other, mark):
            request_recompute(participant.event)  # must-meet changes the pair's score

    commit_or_rerun(work)
    flash(_marked_message(mark, other), "success")
    fallback = url_for("participant.person", participant_id=other.id)
    target = form.next.data if form.next.data else fallback
    return redirect(safe_redirect_target(target, "participant.directory_list", prefix="/me/"))


def _marked_message(mark: Mark | None, other: Participant) -> str:
    if mark is Mark.MUST_MEET:
        return _(
            "Marcaste que quieres reunirte con %(name)s: la organización lo verá y el par "
            "subirá en las sugerencias en unos minutos.",
            name=other.name,
        )
    if mark is Mark.NOT_INTERESTED:
        return _(
            "%(name)s ya no aparecerá en tus sugerencias. Puedes deshacerlo desde su perfil.",
            name=other.name,
        )
    return _("Marca quitada: %(name)s.", name=other.name)
