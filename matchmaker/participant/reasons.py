"""A suggestion's reasons in the reader's language, from their ``code`` and ``data`` (the
participants' suggestions and the organisers' match list show the same words)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.domain.matching import Strength
from matchmaker.domain.vocabulary import theme_label
from matchmaker.participant.forms import LANGUAGE_NAMES
from matchmaker.services.matching import STRENGTH_CODE

#: Who reads the reasons: the official or the partner of the pair, or an organiser.
Reader = Literal["government", "partner", "organiser"]

#: A pair's strength in words, next to each suggestion (calibrated bands: matching.strength).
STRENGTH_WORDS = {
    Strength.STRONG: _l("Muy afín"),
    Strength.GOOD: _l("Afín"),
    Strength.WEAK: _l("Poco afín"),
}


class Quote(str):
    """A sentence quoted from one side's profile (the string itself), with ``label`` saying
    whose it is from the reader's point of view; pages that only print the quote still can."""

    label: str

    def __new__(cls, label: str, text: str) -> Quote:
        quote = super().__new__(cls, text)
        quote.label = label
        return quote

    @property
    def text(self) -> str:
        """The quoted sentence."""
        return str(self)


@dataclass(frozen=True)
class ShownReason:
    code: str
    text: str
    #: Sentences quoted from the two profiles (similar needs), shown as quotations.
    quotes: tuple[Quote, ...] = field(default_factory=tuple)


def _languages(codes: Iterable[Any]) -> str:
    return ", ".join(str(LANGUAGE_NAMES.get(str(code), code)) for code in codes)


def strength_words(strength: Strength | None) -> str:
    """The strength in the reader's language; empty when it is not known."""
    return str(STRENGTH_WORDS[strength]) if strength is not None else ""


def _quote_labels(reader: Reader) -> tuple[str, str]:
    """Labels of the official's sentence and the partner's, as ``reader`` sees them."""
    if reader == "government":
        return _("Tu reto"), _("Su oferta")
    if reader == "partner":
        return _("Su reto"), _("Tu oferta")
    return _("Reto"), _("Oferta")


def describe_reason(
    reason: Mapping[str, Any], locale: str, reader: Reader = "organiser"
) -> ShownReason:
    """One stored reason ({"code", "text", "data"}) as the UI shows it to ``reader``."""
    code = str(reason.get("code", ""))
    data = reason.get("data") or {}
    if code == "themes":
        labels = ", ".join(theme_label(t, locale) for t in data.get("themes", []))
        return ShownReason(code, _("Temas en común: %(themes)s", themes=labels))
    if code == "similar":
        keys = ("government_sentence", "partner_sentence")
        quotes = tuple(
            Quote(label, str(data[key]))
            for key, label in zip(keys, _quote_labels(reader), strict=True)
            if data.get(key)
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


def describe_reasons(
    reasons: Iterable[Mapping[str, Any]], locale: str, reader: Reader = "organiser"
) -> list[ShownReason]:
    """The stored reasons as the UI lists them; the strength is shown apart, not as a reason."""
    return [
        describe_reason(reason, locale, reader)
        for reason in reasons
        if reason.get("code") != STRENGTH_CODE
    ]
