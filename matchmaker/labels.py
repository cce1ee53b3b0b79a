"""Stored codes in the reader's words: one function per kind of value.

Pages, downloads and mails word a code through these, so that a status, a kind or a language
reads the same everywhere. Each answers in the current language (a request's, or the one set
with ``flask_babel.force_locale``); an unknown code is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.dates import reader_locale
from matchmaker.domain.vocabulary import GOVERNMENT, ordered_languages, theme_label

ORGANISATION_TYPES = {
    "municipality": _l("Municipio"),
    "state": _l("Estado o región"),
    "national": _l("Gobierno nacional"),
    "international-organisation": _l("Organismo internacional"),
    "company": _l("Empresa"),
    "startup": _l("Startup"),
    "investor": _l("Inversor"),
    "university": _l("Universidad"),
    "ngo": _l("ONG"),
    "multilateral": _l("Banca multilateral"),
}
MEETING_STATUSES = {
    "draft": _l("Borrador"),
    "published": _l("Publicada"),
    "cancelled": _l("Cancelada"),
    "held": _l("Celebrada"),
    "no-show": _l("No se presentó"),
}
#: The event's working languages by our own labels; any other by CLDR's name.
LANGUAGE_NAMES = {"es": _l("Español"), "en": _l("Inglés"), "pt": _l("Portugués")}


def label_of(labels: Mapping[str, Any], code: str) -> str:
    """A code's label in the reader's language; an unknown code as it is."""
    return str(labels.get(code, code))


def organisation_type_label(code: str) -> str:
    """E.g. "ngo" -> "ONG"."""
    return label_of(ORGANISATION_TYPES, code)


def meeting_status_label(code: str) -> str:
    """E.g. "published" -> "Publicada"."""
    return label_of(MEETING_STATUSES, code)


def kind_label(kind: str) -> str:
    """A participant's side: "Funcionario/a" (government) or "Socio" (partner)."""
    return _("Funcionario/a") if kind == GOVERNMENT else _("Socio")


def language_name(code: str, locale: str | None = None) -> str:
    """The event's languages by our own labels, any other by CLDR's name in ``locale``."""
    if code in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[code])
    try:
        name = Locale.parse(code).get_display_name(locale or reader_locale())
    except (ValueError, UnknownLocaleError):
        return code
    return (name or code).capitalize()


def languages_label(codes: Iterable[str], locale: str | None = None) -> str:
    """Languages by name, the event's first: "Español, Inglés"."""
    return ", ".join(language_name(code, locale) for code in ordered_languages(codes))


def themes_label(slugs: Iterable[str], locale: str | None = None) -> str:
    """Themes by label, in the given order: "Movilidad urbana; Servicios públicos"."""
    return "; ".join(theme_label(slug, locale or reader_locale()) for slug in slugs)


def country_name(code: str, locale: str | None = None) -> str:
    """An ISO 3166 code by CLDR's name, e.g. "MX" -> "México"; an unknown code as it is."""
    territories = Locale.parse(locale or reader_locale()).territories
    return str(territories.get(code.upper(), code))


def yes_no(value: bool) -> str:
    """Yes or no in the reader's language: "Sí" or "No"."""
    return _("Sí") if value else _("No")
