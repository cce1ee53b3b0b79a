"""Why a pair was suggested: reasons with data for the web UI and short English for the CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from matchmaker.domain.matching.scoring import MatchIndex, fit_logit, sentence_z, to_score
from matchmaker.domain.matching.strength import Strength
from matchmaker.domain.matching.vectors import ProfileVectors
from matchmaker.domain.spreadsheet import neutralise_row

#: Quoted sentences are cut to this many characters: enough to recognise the need.
QUOTE_CHARS = 80
CSV_COLUMNS = ("government_id", "partner_id", "rank", "score", "reasons")


@dataclass(frozen=True)
class Reason:
    """One reason: ``code`` for programs, ``text`` (short English) for the CSV, ``data`` so the
    web UI can say it in the reader's language."""

    code: str
    text: str
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Suggestion:
    """A suggested meeting, ranked from the point of view of whoever it was ranked for.

    ``strength`` says how well the texts and themes fit (see matching.strength), whatever the
    rank: the tenth suggestion of someone with few good counterparts may well be weak.
    """

    government_id: str
    partner_id: str
    rank: int
    score: float
    reasons: tuple[Reason, ...]
    components: Mapping[str, float]
    strength: Strength


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" if cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-– ")
    return f"{cut}…"


def _theme_reason(shared: Sequence[str]) -> Reason | None:
    if not shared:
        return None
    return Reason("themes", f"shared themes: {', '.join(shared)}", {"themes": list(shared)})


def _similar_reason(gov_sentence: str, par_sentence: str, similarity: float) -> Reason:
    """The best sentence pair, quoted: the official's challenge first, the partner's offering."""
    quoted = f"«{shorten(gov_sentence)}» ~ «{shorten(par_sentence)}»"
    data = {
        "government_sentence": gov_sentence,
        "partner_sentence": par_sentence,
        "similarity": round(similarity, 3),
    }
    return Reason("similar", f"similar need: {quoted}", data)


def _language_reason(gov_langs: Sequence[str], par_langs: Sequence[str]) -> Reason:
    common = [lang for lang in gov_langs if lang in par_langs]
    if common:
        return Reason("language", f"common language: {', '.join(common)}", {"languages": common})
    text = (
        f"no common language, interpreter needed ({'/'.join(gov_langs)} vs {'/'.join(par_langs)})"
    )
    data = {"government_languages": list(gov_langs), "partner_languages": list(par_langs)}
    return Reason("interpreter", text, data)


def _interest_reason(level: int) -> Reason | None:
    if level == 2:
        return Reason("mutual-interest", "mutual interest")
    if level == 1:
        return Reason("interest", "interest expressed")
    return None


Explanation = tuple[tuple[Reason, ...], dict[str, float]]
#: Pairs explained per matrix product in :func:`explain_pairs` (bounds its working memory).
PAIR_CHUNK = 4096


def explain_pair(index: MatchIndex, row: int, col: int) -> Explanation:
    """Reasons and components of one pair (official ``row``, partner ``col`` of ``index``)."""
    return explain_pairs(index, np.array([row]), np.array([col]))[0]


def explain_pairs(index: MatchIndex, rows: np.ndarray, cols: np.ndarray) -> list[Explanation]:
    """Reasons and components of the pairs (official ``rows[n]``, partner ``cols[n]``).

    The best sentence pair is quoted as a similar need only when the calibrated threshold says
    it is one; components hold its z-score and the pair's ``fit`` (0..100, content only).
    The vector work is done for many pairs at once: a ranking explains tens of thousands.
    """
    gov, par = index.governments, index.partners
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    semantic = _whole_similarities(gov.vectors.whole, rows, par.vectors.whole, cols)
    g_sentence, p_sentence, similarity = _best_sentence_pairs(gov.vectors, rows, par.vectors, cols)
    g_texts, p_texts = gov.vectors.sentence_texts, par.vectors.sentence_texts
    claimed = index.calibration.claims_similar
    z_scores = sentence_z(index, similarity).tolist()
    explained = []
    for n, (row, col) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        g_profile, p_profile = gov.profiles[row], par.profiles[col]
        shared = [t for t in index.theme_columns if t in g_profile.themes and t in p_profile.themes]
        level = _interest_level(index, g_profile.id, p_profile.id)
        sentence = float(similarity[n])
        similar = claimed(z_scores[n])
        reasons = (
            _theme_reason(shared),
            _similar_reason(g_texts[g_sentence[n]], p_texts[p_sentence[n]], sentence)
            if similar
            else None,
            _language_reason(g_profile.languages, p_profile.languages),
            _interest_reason(level),
        )
        components = {
            "semantic": float(semantic[n]),
            "sentence": sentence,
            "sentence_z": z_scores[n],
            "themes": len(shared) / max(len(set(g_profile.themes)), 1),
            "common_language": float(bool(set(g_profile.languages) & set(p_profile.languages))),
            "interest": float(level),
        }
        explained.append((tuple(r for r in reasons if r is not None), components))
    _add_fit(index, explained)
    return explained


def _add_fit(index: MatchIndex, explained: list[Explanation]) -> None:
    """Each explanation's ``fit`` component, computed for all of them at once."""
    if not explained:
        return
    parts = np.array([[c["semantic"], c["sentence"], c["themes"]] for _, c in explained])
    fits = to_score(fit_logit(index, parts[:, 0], parts[:, 1], parts[:, 2])).tolist()
    for (_, components), fit in zip(explained, fits, strict=True):
        components["fit"] = fit


def _whole_similarities(
    gov: np.ndarray, rows: np.ndarray, par: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Cosine of each pair's whole-text vectors (equal to the score block's to float rounding)."""
    return np.einsum("nd,nd->n", gov[rows], par[cols])


def _best_sentence_pairs(
    gov: ProfileVectors, rows: np.ndarray, par: ProfileVectors, cols: np.ndarray
) -> tuple[list[int], list[int], np.ndarray]:
    """For each pair, its most similar sentence pair (rows of each side's ``sentences``, first in
    row-major order on ties) and their cosine.

    Pairs are grouped by their numbers of sentences, so each group is one stacked product.
    """
    g_counts, p_counts = np.diff(gov.offsets)[rows], np.diff(par.offsets)[cols]
    g_best = np.zeros(len(rows), dtype=np.int64)
    p_best = np.zeros(len(rows), dtype=np.int64)
    value = np.zeros(len(rows), dtype=np.float32)
    for g_count, p_count in np.unique(np.stack([g_counts, p_counts], axis=1), axis=0).tolist():
        members = np.flatnonzero((g_counts == g_count) & (p_counts == p_count))
        for start in range(0, len(members), PAIR_CHUNK):
            chunk = members[start : start + PAIR_CHUNK]
            g_rows = gov.offsets[rows[chunk]][:, None] + np.arange(g_count)
            p_rows = par.offsets[cols[chunk]][:, None] + np.arange(p_count)
            sims = gov.sentences[g_rows] @ par.sentences[p_rows].transpose(0, 2, 1)
            flat = sims.reshape(len(chunk), -1)
            best = flat.argmax(axis=1)
            i, j = np.divmod(best, p_count)
            picked = np.arange(len(chunk))
            g_best[chunk] = g_rows[picked, i]
            p_best[chunk] = p_rows[picked, j]
            value[chunk] = flat[picked, best]
    return g_best.tolist(), p_best.tolist(), value


def _interest_level(index: MatchIndex, government_id: str, partner_id: str) -> int:
    kind = index.rules.interest.get((government_id, partner_id))
    return 2 if kind == "mutual" else 1 if kind == "one-sided" else 0


def reasons_text(reasons: Iterable[Reason]) -> str:
    """One line: ``shared themes: …; similar need: «…» ~ «…»; common language: es``."""
    return "; ".join(r.text for r in reasons)


def write_match_csv(suggestions: Iterable[Suggestion], out: TextIO | str | Path) -> None:
    """Write ``government_id,partner_id,rank,score,reasons`` rows (RFC 4180, score 2 decimals),
    cells neutralised for spreadsheets (ids come from an imported file)."""
    if isinstance(out, str | Path):
        with open(out, "w", encoding="utf-8", newline="") as handle:
            write_match_csv(suggestions, handle)
        return
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for s in suggestions:
        row = [s.government_id, s.partner_id, s.rank, f"{s.score:.2f}", reasons_text(s.reasons)]
        writer.writerow(neutralise_row(row))
