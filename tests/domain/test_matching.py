"""Scoring, ranking, reasons, cache and CSV, with the small deterministic embedder (no model)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pytest

from bench.incremental import replace_profile, with_rules
from matchmaker.domain.embedding import HashingEmbedder, Role
from matchmaker.domain.matching import (
    InMemoryEmbeddingCache,
    MatchRules,
    Profile,
    ProfileVectors,
    StrengthCalibration,
    Suggestion,
    build_index,
    embed_profiles,
    rank_for_official,
    rank_for_partner,
    rank_officials,
    rank_partners,
    reasons_text,
    scoring,
    write_match_csv,
)
from matchmaker.domain.matching.scoring import best_sentence_similarity

WATER = "Detectamos fugas de agua potable en redes antiguas con sensores acústicos y presión."
LIGHT = "Modernizamos el alumbrado público con luminarias LED y telegestión de cada punto."
BUS = "Operamos carriles exclusivos de autobús con prioridad semafórica en corredores urbanos."
WASTE = (
    "Recolectamos residuos sólidos con rutas optimizadas y contenedores con sensores de llenado."
)


class CountingEmbedder:
    """Wraps an embedder and counts the texts it was asked to encode."""

    def __init__(self, inner: HashingEmbedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.texts: list[str] = []

    def encode(
        self,
        texts: Sequence[str],
        *,
        role: Role,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts, role=role, progress=progress)


def official(
    pid: str, text: str, langs: tuple[str, ...] = ("es",), themes=("public-services",)
) -> Profile:
    return Profile(pid, "government", langs, tuple(themes), text)


def partner(
    pid: str, text: str, langs: tuple[str, ...] = ("es",), themes=("public-services",)
) -> Profile:
    return Profile(pid, "partner", langs, tuple(themes), text)


def same(left: Sequence[Suggestion], right: Sequence[Suggestion]) -> bool:
    """Equal lists up to float rounding (BLAS sums blocks of different shapes differently)."""
    key = [(s.government_id, s.partner_id, s.rank, s.reasons) for s in left]
    return key == [(s.government_id, s.partner_id, s.rank, s.reasons) for s in right] and [
        s.score for s in left
    ] == pytest.approx([s.score for s in right], rel=1e-5)


def vectors(profiles: Sequence[Profile], role: Role = "passage") -> ProfileVectors:
    return embed_profiles(HashingEmbedder(), profiles, InMemoryEmbeddingCache(), role)


def rank(
    governments: Sequence[Profile],
    partners: Sequence[Profile],
    rules: MatchRules | None = None,
    top_k: int = 10,
) -> list[Suggestion]:
    gov_v, par_v = vectors(governments, "query"), vectors(partners)
    return rank_partners(
        build_index(governments, partners, gov_v, par_v, rules or MatchRules()), top_k
    )


@pytest.fixture
def event() -> tuple[list[Profile], list[Profile]]:
    governments = [
        official("g-1", "Perdemos agua potable por fugas en redes antiguas; buscamos sensores."),
        official("g-2", "Queremos alumbrado público LED con telegestión en toda la ciudad."),
    ]
    partners = [
        partner("p-water", WATER),
        partner("p-light", LIGHT),
        partner("p-bus", BUS),
        partner("p-waste", WASTE),
    ]
    return governments, partners


def test_the_matching_offer_ranks_first_with_reasons(event) -> None:  # type: ignore[no-untyped-def]
    governments, partners = event
    index = build_index(
        governments, partners, vectors(governments, "query"), vectors(partners), MatchRules()
    )
    # Eight pairs cannot put a z-score near the calibrated claim threshold (it is tested in
    # test_matching_strength.py): a lenient one shows the reasons' form.
    lenient = StrengthCalibration(similar_sentence_z=1.0, good_fit=35.0, strong_fit=95.0)
    suggestions = rank_partners(replace(index, calibration=lenient), 10)
    first = {s.government_id: s for s in suggestions if s.rank == 1}
    assert first["g-1"].partner_id == "p-water"
    assert first["g-2"].partner_id == "p-light"
    codes = [r.code for r in first["g-1"].reasons]
    assert codes == ["themes", "similar", "language"]
    text = reasons_text(first["g-1"].reasons)
    assert text.startswith("shared themes: public-services; similar need: «")
    assert text.endswith("; common language: es")
    similar = first["g-1"].reasons[1]
    assert similar.data["partner_sentence"] == WATER
    assert 0 <= first["g-1"].score <= 100


def test_scores_and_ranks_are_ordered(event) -> None:  # type: ignore[no-untyped-def]
    suggestions = [s for s in rank(*event) if s.government_id == "g-1"]
    assert [s.rank for s in suggestions] == [1, 2, 3, 4]
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert len(rank(*event, top_k=2)) == 4  # two officials, two partners each


def test_blocked_and_declined_pairs_are_never_suggested(event) -> None:  # type: ignore[no-untyped-def]
    governments, partners = event
    rules = MatchRules(
        blocked=frozenset({("g-1", "p-water")}),
        declined=frozenset({("g-2", "p-light")}),
        interest={("g-1", "p-water"): "mutual"},  # interest does not lift a block
    )
    gov_v, par_v = vectors(governments, "query"), vectors(partners)
    index = build_index(governments, partners, gov_v, par_v, rules)
    for ranked in (rank_partners(index, top_k=10), rank_officials(index, top_k=10)):
        pairs = {(s.government_id, s.partner_id) for s in ranked}
        assert ("g-1", "p-water") not in pairs
        assert ("g-2", "p-light") not in pairs
        assert len(pairs) == 6


def test_mutual_interest_above_one_sided_above_none() -> None:
    governments = [official("g-1", "Buscamos apoyo para la gestión de residuos urbanos.")]
    partners = [partner(f"p-{i}", WASTE) for i in range(3)]  # identical offers
    rules = MatchRules(interest={("g-1", "p-0"): "one-sided", ("g-1", "p-2"): "mutual"})
    suggestions = rank(governments, partners, rules)
    assert [s.partner_id for s in suggestions] == ["p-2", "p-0", "p-1"]
    assert [r.code for r in suggestions[0].reasons][-1] == "mutual-interest"
    assert [r.code for r in suggestions[1].reasons][-1] == "interest"
    assert all(r.code not in {"interest", "mutual-interest"} for r in suggestions[2].reasons)
    assert suggestions[0].score > suggestions[1].score > suggestions[2].score


def test_no_common_language_is_a_penalty_flagged_interpreter_needed() -> None:
    governments = [official("g-1", "Buscamos apoyo para la gestión de residuos urbanos.", ("es",))]
    partners = [partner("p-pt", WASTE, ("pt",)), partner("p-es", WASTE, ("es", "en"))]
    suggestions = rank(governments, partners)
    assert [s.partner_id for s in suggestions] == ["p-es", "p-pt"]  # still suggested
    interpreter = suggestions[1].reasons[-1]
    assert interpreter.code == "interpreter"
    assert interpreter.text == "no common language, interpreter needed (es vs pt)"
    assert interpreter.data == {"government_languages": ["es"], "partner_languages": ["pt"]}
    assert suggestions[1].components["common_language"] == 0.0
    assert suggestions[0].score > 2 * suggestions[1].score


def test_both_directions_give_the_same_scores(event) -> None:  # type: ignore[no-untyped-def]
    governments, partners = event
    rules = MatchRules(interest={("g-2", "p-bus"): "one-sided"})
    index = build_index(
        governments, partners, vectors(governments, "query"), vectors(partners), rules
    )
    by_official = {(s.government_id, s.partner_id): s.score for s in rank_partners(index, 10)}
    by_partner = {(s.government_id, s.partner_id): s.score for s in rank_officials(index, 10)}
    assert by_official == pytest.approx(by_partner)
    assert len(by_official) == 8
    per_partner = [s for s in rank_officials(index, 1) if s.partner_id == "p-light"]
    assert [(s.government_id, s.rank) for s in per_partner] == [("g-2", 1)]


def test_blocks_give_the_same_result_as_one_pass(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(1)
    words = ["agua", "fugas", "luz", "bus", "residuos", "datos", "salud", "riego", "suelo"]
    texts = [
        " ".join(rng.choice(words, 12)) + ". " + " ".join(rng.choice(words, 9)) for _ in range(60)
    ]
    governments = [official(f"g-{i}", t) for i, t in enumerate(texts[:40])]
    partners = [partner(f"p-{i}", t) for i, t in enumerate(texts[40:])]
    index = build_index(
        governments, partners, vectors(governments, "query"), vectors(partners), MatchRules()
    )
    whole = rank_partners(index, 5)
    monkeypatch.setattr(scoring, "BLOCK_BYTES", 1)  # the minimum block of 16 officials
    assert len(scoring.row_blocks(index)) == 3
    assert same(rank_partners(index, 5), whole)


def test_best_sentence_similarity_is_the_max_over_sentence_pairs() -> None:
    rng = np.random.default_rng(2)
    gov = rng.normal(size=(7, 5)).astype(np.float32)
    par = rng.normal(size=(6, 5)).astype(np.float32)
    gov_off, par_off = np.array([0, 2, 3, 7]), np.array([0, 1, 4, 6])
    got = best_sentence_similarity(gov, gov_off, par, par_off)
    for i in range(3):
        for j in range(3):
            sims = gov[gov_off[i] : gov_off[i + 1]] @ par[par_off[j] : par_off[j + 1]].T
            assert got[i, j] == pytest.approx(sims.max(), rel=1e-5)


def test_cache_encodes_only_new_or_changed_descriptions(event) -> None:  # type: ignore[no-untyped-def]
    _, partners = event
    embedder, cache = CountingEmbedder(HashingEmbedder()), InMemoryEmbeddingCache()
    first = embed_profiles(embedder, partners, cache, "passage")
    assert len(embedder.texts) == 4  # one sentence each: the whole text doubles as its sentence
    embedder.texts.clear()
    again = embed_profiles(embedder, partners, cache, "passage")
    assert embedder.texts == []
    np.testing.assert_array_equal(first.whole, again.whole)
    extra = "Además, operamos plantas de reciclaje."
    edited = [*partners[:3], replace(partners[3], description=f"{WASTE} {extra}")]
    embed_profiles(embedder, edited, cache, "passage")
    assert embedder.texts == [edited[3].description, WASTE, extra]
    embedder.texts.clear()
    embed_profiles(embedder, partners[:1], cache, "query")  # another role, other vectors
    assert embedder.texts == [WATER]


def test_profile_vectors_layout(event) -> None:  # type: ignore[no-untyped-def]
    governments, _ = event
    v = vectors(governments, "query")
    assert v.ids == ("g-1", "g-2")
    assert v.offsets.tolist() == [0, 1, 2]  # one sentence each
    assert v.owner.tolist() == [0, 1]
    assert v.texts_of(1) == (governments[1].description,)
    assert v.whole.dtype == np.float32
    assert np.allclose(np.linalg.norm(v.sentences, axis=1), 1.0, atol=1e-5)


def test_an_edit_reranks_one_row_and_one_column(event) -> None:  # type: ignore[no-untyped-def]
    governments, partners = event
    index = build_index(
        governments, partners, vectors(governments, "query"), vectors(partners), MatchRules()
    )
    edited = replace(partners[2], description=LIGHT.replace("Modernizamos", "Renovamos"))
    index = replace_profile(index, edited, vectors([edited]))
    row = rank_for_official(index, "g-2", top_k=2)
    assert {s.partner_id for s in row} == {"p-light", "p-bus"}
    assert same(row, [s for s in rank_partners(index, 2) if s.government_id == "g-2"])
    column = rank_for_partner(index, "p-bus", top_k=2)
    assert same(column, [s for s in rank_officials(index, 2) if s.partner_id == "p-bus"])
    newcomer = partner("p-new", WATER, ("pt",), ("climate-adaptation",))
    index = replace_profile(index, newcomer, vectors([newcomer]))
    assert rank_for_partner(index, "p-new", top_k=1)[0].government_id == "g-1"


def test_new_rules_apply_without_new_vectors(event) -> None:  # type: ignore[no-untyped-def]
    governments, partners = event
    index = build_index(
        governments, partners, vectors(governments, "query"), vectors(partners), MatchRules()
    )
    index = with_rules(index, MatchRules(blocked=frozenset({("g-1", "p-water")})))
    assert "p-water" not in {s.partner_id for s in rank_for_official(index, "g-1")}


def test_csv_has_the_design_columns_and_quotes_reasons(event) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    suggestions = rank(*event, top_k=2)
    write_match_csv(suggestions, out)
    text = out.getvalue()
    assert text.startswith("government_id,partner_id,rank,score,reasons\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    assert rows[0]["government_id"] == "g-1" and rows[0]["rank"] == "1"
    assert rows[0]["score"] == f"{suggestions[0].score:.2f}"
    assert rows[0]["reasons"] == reasons_text(suggestions[0].reasons)


def test_empty_sides_give_no_suggestions() -> None:
    governments = [official("g-1", "Agua.")]
    assert rank(governments, []) == []
    assert rank([], [partner("p-1", WATER)]) == []


def test_matching_runs_without_flask_sqlalchemy_or_celery() -> None:
    code = (
        "import sys\n"
        "for name in ('flask', 'sqlalchemy', 'celery', 'flask_sqlalchemy'):\n"
        "    sys.modules[name] = None  # any import of them now fails\n"
        "from matchmaker.domain.embedding import HashingEmbedder\n"
        "from matchmaker.domain.matching import *\n"
        "e, c = HashingEmbedder(), InMemoryEmbeddingCache()\n"
        "g = [Profile('g', 'government', ('es',), ('public-services',), 'Agua potable.')]\n"
        "p = [Profile('p', 'partner', ('es',), ('public-services',), 'Fugas de agua.')]\n"
        "gv, pv = embed_profiles(e, g, c, 'query'), embed_profiles(e, p, c, 'passage')\n"
        "print(len(rank_partners(build_index(g, p, gv, pv, MatchRules()))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
