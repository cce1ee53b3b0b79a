"""A suggestion's reasons in the reader's language, from their ``code`` and ``data`` (the
participants' suggestions and the organisers' match list show the same words)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from matchmaker.domain.vocabulary import theme_label
from matchmaker.participant.forms import LANGUAGE_NAMES


@dataclass(frozen=True)
class ShownReason:
    code: str
    text: str
    #: Sentences quoted from the two profiles (similar needs), shown as quotations.
    quotes: tuple[str, ...] = field(default_factory=tuple)


def _languages(codes: Iterable[Any]) -> str:
    return ", ".join(str(LANGUAGE_NAMES.get(str(code), code)) for code in codes)


def describe_reason(reason: Mapping[str, Any], locale: str) -> ShownReason:
    """One stored reason ({"code", "text", "data"}) as the UI shows it."""
    code = str(reason.get("code", ""))
    data = reason.get("data") or {}
    if code == "themes":
        labels = ", ".join(theme_label(t, locale) for t in data.get("themes", []))
        return ShownReason(code, _("Temas en común: %(themes)s", themes=labels))
    if code == "similar":
        quotes = tuple(
            str(data[key]) for key in ("government_sentence", "partner_sentence") if data.get(key)
        )
        return ShownReason(code, _("Necesidad y oferta parecidas:"), quotes)
    if code == "language":
        langs = _languages(data.get("languages", []))
        return ShownReason(code, _("Idioma común: %(languages)s", languages=langs))
    if code == "interpreter":
        return ShownReason(
            code,
            _(
                "Sin idioma común, hará falta intérprete (%(a)s / %(b)s)",
                a=_languages(data.get("government_languages", [])),
                b=_languages(data.get("partner_languages", [])),
            ),
        )
    if code == "interest":
        return ShownReason(code, _("Una de las partes ha pedido la reunión"))
    if code == "mutual-interest":
        return ShownReason(code, _("Interés mutuo: ambas partes quieren reunirse"))
    if code == "manual":
        return ShownReason(code, _("Añadida a mano por la organización"))
    return ShownReason(code, str(reason.get("text", code)))


def describe_reasons(reasons: Iterable[Mapping[str, Any]], locale: str) -> list[ShownReason]:
    return [describe_reason(reason, locale) for reason in reasons]
