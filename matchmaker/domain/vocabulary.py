"""The fixed vocabularies of design.md: themes, kinds, organisation types, languages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from babel.localedata import locale_identifiers

GOVERNMENT: Final = "government"
PARTNER: Final = "partner"
KINDS: Final = (GOVERNMENT, PARTNER)

#: slug -> label per UI language, in the order design.md lists them.
THEMES: Final[dict[str, dict[str, str]]] = {
    "urban-planning": {
        "es": "Planificación urbana",
        "en": "Urban planning",
        "pt": "Planejamento urbano",
    },
    "resource-management": {
        "es": "Gestión de recursos",
        "en": "Resource management",
        "pt": "Gestão de recursos",
    },
    "public-services": {
        "es": "Servicios públicos",
        "en": "Public services",
        "pt": "Serviços públicos",
    },
    "citizen-security": {
        "es": "Seguridad ciudadana",
        "en": "Citizen security",
        "pt": "Segurança cidadã",
    },
    "urban-mobility": {
        "es": "Movilidad urbana",
        "en": "Urban mobility",
        "pt": "Mobilidade urbana",
    },
    "economic-development": {
        "es": "Desarrollo económico",
        "en": "Economic development",
        "pt": "Desenvolvimento econômico",
    },
    "social-inclusion": {
        "es": "Inclusión social",
        "en": "Social inclusion",
        "pt": "Inclusão social",
    },
    "environmental-sustainability": {
        "es": "Sostenibilidad ambiental",
        "en": "Environmental sustainability",
        "pt": "Sustentabilidade ambiental",
    },
    "climate-adaptation": {
        "es": "Adaptación al cambio climático",
        "en": "Climate adaptation",
        "pt": "Adaptação às mudanças climáticas",
    },
}

ORGANISATION_TYPES: Final[dict[str, tuple[str, ...]]] = {
    GOVERNMENT: ("municipality", "state", "national", "international-organisation"),
    PARTNER: ("company", "startup", "investor", "university", "ngo", "multilateral"),
}

#: The event's working languages (ISO 639-1), offered on every profile. A participant may
#: speak others too: an import keeps any ISO 639-1 code, and so does the profile, which shows
#: a participant's other languages beside these three.
LANGUAGES: Final = ("es", "en", "pt")
#: Every ISO 639-1 code CLDR knows.
LANGUAGE_CODES: Final = frozenset(code for code in locale_identifiers() if len(code) == 2)


def ordered_languages(codes: Iterable[str]) -> list[str]:
    """The working languages first, in their order, then any other known codes by code;
    unknown codes dropped."""
    chosen = set(codes) & LANGUAGE_CODES
    return [c for c in LANGUAGES if c in chosen] + sorted(chosen - set(LANGUAGES))


def theme_label(slug: str, locale: str = "es") -> str:
    """The theme's label in ``locale`` (falls back to Spanish, then to the slug)."""
    labels = THEMES.get(slug, {})
    return labels.get(locale) or labels.get("es") or slug
