"""Text helpers for matching: normalisation, content hashes, sentences, language guessing."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

#: Pieces longer than this are cut further: the model reads at most 512 tokens, and a reason
#: quoting a whole paragraph explains nothing.
MAX_SENTENCE_CHARS = 300
#: Shorter pieces ("Hola.", "1.") are glued to their neighbour: alone they match anything.
MIN_SENTENCE_CHARS = 20


def _words(text: str) -> frozenset[str]:
    # Word lists read better as text than as a column of quoted strings.
    return frozenset(text.split())


# Words ending in a period that do not end a sentence (es, en, pt), compared lower-cased.
_ABBREVIATIONS = _words(
    """
    sr sra srta dr dra lic ing arq mtro mtra prof profa av avda col núm num nº n°
    etc ej p.ej e.g i.e vs approx aprox dept depto gob edo cía cia ltda
    s.a s.a.s inc corp ltd mr mrs ms st jr u.s u.k fig pág pag tel ext vol
    jan feb apr jun jul aug sep sept oct nov ene abr dic fev
    """
)

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+|\n\s*")
_TOKEN_BEFORE_END = re.compile(r"(\S+)[.!?…][\"'”’»)\]]*\s*$")
_SOFT_BREAK = re.compile(r"[;:,]\s+|\s+[-–—]\s+")


def normalise_text(text: str) -> str:
    """NFC, with runs of white space collapsed and the ends trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text: equal content, equal hash, whatever the spacing."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def _ends_with_abbreviation(piece: str) -> bool:
    match = _TOKEN_BEFORE_END.search(piece)
    if match is None or not piece.rstrip().endswith("."):
        return False
    word = match.group(1).lower().lstrip("(¿¡\"'«“")
    # A lone letter is an initial ("J. Pérez"); a number alone is a list mark ("2. Sensors"),
    # while a sentence may well end with a number ("desde 2023.").
    is_list_mark = word.isdigit() and piece.strip() == f"{word}."
    return word in _ABBREVIATIONS or len(word) == 1 or is_list_mark


def _raw_pieces(text: str) -> list[str]:
    """Cut at sentence ends, then glue back cuts made after abbreviations or before lowercase."""
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        piece, rest = text[start : match.start()], text[match.end() :]
        newline = "\n" in match.group(0)
        joins_next = not newline and (_ends_with_abbreviation(piece) or rest[:1].islower())
        if piece.strip() and not joins_next:
            pieces.append(piece)
            start = match.end()
    pieces.append(text[start:])
    # List marks at the start of a line are layout, not content.
    cleaned = (normalise_text(p).lstrip("-•*·–— ") for p in pieces)
    return [p for p in cleaned if p]


def _chunk(piece: str, limit: int) -> list[str]:
    """Cut an over-long piece at a clause break (or a space) near the limit."""
    chunks: list[str] = []
    while len(piece) > limit:
        window = piece[:limit]
        breaks = [m.end() for m in _SOFT_BREAK.finditer(window) if m.end() > limit // 2]
        cut = breaks[-1] if breaks else window.rfind(" ") + 1 or limit
        chunks.append(piece[:cut].strip())
        piece = piece[cut:].strip()
    if piece:
        chunks.append(piece)
    return chunks


def _glue_short(pieces: Iterable[str], minimum: int) -> list[str]:
    glued: list[str] = []
    for piece in pieces:
        if glued and (len(piece) < minimum or len(glued[-1]) < minimum):
            glued[-1] = f"{glued[-1]} {piece}"
        else:
            glued.append(piece)
    return glued


def split_sentences(
    text: str, *, max_chars: int = MAX_SENTENCE_CHARS, min_chars: int = MIN_SENTENCE_CHARS
) -> list[str]:
    """Split a description into sentences (es/en/pt), never returning an empty piece.

    Abbreviations ("Sr.", "p. ej.", "e.g."), initials, decimals ("3.5") and list numbers do
    not end a sentence; line breaks do. Pieces over ``max_chars`` are cut at a clause break and
    pieces under ``min_chars`` are joined to a neighbour.
    """
    pieces = [chunk for piece in _raw_pieces(text) for chunk in _chunk(piece, max_chars)]
    return _glue_short(pieces, min_chars)


_STOP_WORDS = {
    # Only words that tell the three languages apart: "de", "que", "para" are shared by es/pt.
    "es": _words(
        "el la los las del y en con una un es su sus al más lo nuestra nuestro ciudad "
        "buscamos queremos tenemos necesitamos también pero sin este esta"
    ),
    "pt": _words(
        "o os do da dos das e em na nos nas com uma um é não ao à nossa nosso cidade "
        "buscamos queremos temos precisamos também mas sem este esta são"
    ),
    "en": _words(
        "the and of to in for with is are we our on that by from an it this "
        "city seek need offer have has"
    ),
}
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, fallback: str = "es") -> str:
    """Guess es/en/pt from distinctive stop words; ``fallback`` when nothing is conclusive."""
    words = _WORD.findall(text.lower())
    counts = {lang: sum(word in stops for word in words) for lang, stops in _STOP_WORDS.items()}
    # Spelling settles es against pt when the stop words are few or shared.
    lowered = text.lower()
    counts["pt"] += 2 * len(re.findall(r"ção|ções|ão\b|õe", lowered))
    counts["es"] += 2 * len(re.findall(r"ción|ñ", lowered))
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] > 0 else fallback
