"""Password strength: refuse common and guessable passwords, and say why as data.

zxcvbn (Dropbox's estimator) scores a password by how many guesses an attacker who knows
common passwords, words, names, keyboard patterns, dates and the person's own details would
need. We accept a score of 3 or more (about 10⁸ guesses or more) and turn zxcvbn's findings
into one of a few reasons the edges put into words; zxcvbn's own English feedback is never
shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum

from zxcvbn import zxcvbn

MIN_LENGTH = 8
#: zxcvbn's 0–4 scale; 3 is "safely unguessable: moderate protection from an offline attack".
MIN_SCORE = 3
#: zxcvbn refuses longer input (its matching grows fast with length); a longer password is
#: judged by its first part, which is already far beyond guessing when it is strong.
_ESTIMATED_LENGTH = 72
#: Words anyone at this congress would try first: "password" in our languages and the event's
#: own names. They count as very common passwords.
EVENT_WORDS = (
    "contraseña", "contrasena", "contrasenia", "senha", "clave", "password", "passwort",
    "acceso", "secreto", "usuario", "bienvenido", "bienvenida", "bemvindo", "matchmaker",
    "smartcity", "smartcityexpo", "smartcitylatam", "expo", "latam", "puebla", "mexico",
    "méxico", "congreso", "evento",
)  # fmt: skip


class Weakness(StrEnum):
    """Why a password is refused; the web and the CLI say it in their own words."""

    TOO_SHORT = "too_short"
    TOO_COMMON = "too_common"
    PERSONAL = "personal"  # contains the person's name, email or organisation
    PREDICTABLE = "predictable"  # sequences, repeats, keyboard walks, dates, plain words


def password_weakness(password: str, personal: Iterable[str] = ()) -> Weakness | None:
    """The reason ``password`` is too weak, or None when it is strong enough.

    ``personal`` holds what an attacker may know about the account: its email, the person's
    name, their organisation. Each is used whole and word by word.
    """
    if len(password) < MIN_LENGTH:
        return Weakness.TOO_SHORT
    personal_words = _words(personal)
    if _mostly_personal(_fold(password), personal):
        return Weakness.PERSONAL
    event_words = _words(EVENT_WORDS)
    inputs = list(dict.fromkeys([*personal_words, *event_words]))
    result = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return None
    matches = [m for m in result["sequence"] if m["pattern"] == "dictionary"]
    if any(m["dictionary_name"] == "user_inputs" and m["matched_word"] in personal_words
           for m in matches):  # fmt: skip
        return Weakness.PERSONAL
    common = sum(
        len(m["token"])
        for m in matches
        if m["dictionary_name"] == "passwords"
        or (m["dictionary_name"] == "user_inputs" and m["matched_word"] in event_words)
    )
    if common * 2 >= len(password[:_ESTIMATED_LENGTH]):
        return Weakness.TOO_COMMON
    return Weakness.PREDICTABLE


def _fold(text: str) -> str:
    """Lower case without accents: «Lucía» and «lucia» are the same guess."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(phrases: Iterable[str]) -> list[str]:
    """Each phrase whole and each word of three letters or more, as typed and unaccented.
    Of an email address, the whole address and the part before the @ (the domain names a
    provider or an organisation, which the organisation's own name covers)."""
    words: list[str] = []
    for phrase in phrases:
        lowered = phrase.strip().lower()
        for text in (lowered, _fold(lowered)):
            if "@" in text:
                words.append(text)
                text = text.partition("@")[0]
            candidates = [text, text.replace(" ", ""), *re.split(r"[\W_]+", text)]
            words.extend(w for w in candidates if len(w) >= 3)
    return list(dict.fromkeys(words))


def _mostly_personal(folded: str, personal: Iterable[str]) -> bool:
    """The password is the person's own details plus digits or punctuation
    («lucia-benitez», «alcaldia2026!», the email itself): fewer than four letters are left
    once their name, email and organisation words are taken out."""
    found = False
    for word in sorted(_words(personal), key=len, reverse=True):
        folded_word = _fold(word)
        if folded_word in folded:
            folded = folded.replace(folded_word, " ")
            found = True
    return found and sum(c.isalpha() for c in folded) < 4
