"""Matching with the real default model: a Spanish challenge must find offers in other languages."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench._judgements import load_grades, load_profiles
from matchmaker.domain.embedding import Embedder, get_embedder
from matchmaker.domain.matching import (
    InMemoryEmbeddingCache,
    MatchRules,
    Profile,
    Strength,
    StrengthCalibration,
    build_index,
    embed_profiles,
    rank_for_official,
    rank_partners,
)
from tests.conftest import model_dir

pytestmark = pytest.mark.model

CHALLENGE = (
    "Las pérdidas de agua potable en la red de distribución superan el 40% y no sabemos dónde "
    "se concentran las fugas. Buscamos tecnología para localizar fugas no visibles en tuberías "
    "antiguas y priorizar las reparaciones por sector."
)
OFFERS = {
    # The two that fit, in English and in Portuguese.
    "p-en-leaks": (
        "en",
        "We find hidden water leaks in old pipe networks with acoustic sensors. Cities use our "
        "maps to prioritise repairs by district and cut their water losses by a third.",
    ),
    "p-pt-leaks": (
        "pt",
        "Detectamos vazamentos invisíveis em redes de água antigas com sensores acústicos. "
        "Priorizamos os reparos por setor hidráulico e medimos a redução das perdas.",
    ),
    # Distractors, several in the challenge's own language.
    "p-es-lights": (
        "es",
        "Modernizamos el alumbrado público con luminarias LED y telegestión punto por punto. "
        "Reducimos el consumo eléctrico municipal a la mitad.",
    ),
    "p-es-traffic": (
        "es",
        "Semáforos adaptativos que responden al aforo real y dan prioridad al transporte "
        "público en los corredores de la ciudad.",
    ),
    "p-es-waste": (
        "es",
        "Recolección de residuos sólidos con rutas optimizadas y contenedores con sensores de "
        "llenado en colonias populares.",
    ),
    "p-en-security": (
        "en",
        "Video analytics for citizen security: our platform links street cameras to the "
        "emergency call centre and predicts hot spots.",
    ),
    "p-pt-housing": (
        "pt",
        "Financiamos habitação social e a regularização fundiária em bairros informais, com "
        "participação dos moradores.",
    ),
    "p-en-mobility": (
        "en",
        "Electric bus fleets as a service: we finance, charge and maintain the buses while the "
        "city keeps its routes and fares.",
    ),
    "p-en-broadband": (
        "en",
        "Free public wifi and fibre backbones for municipal buildings, schools and clinics, "
        "financed through advertising on the access points.",
    ),
    "p-pt-health": (
        "pt",
        "Telemedicina para unidades básicas de saúde: consultas por vídeo com especialistas e "
        "prontuário eletrônico integrado ao sistema municipal.",
    ),
    "p-pt-flood": (
        "pt",
        "Alertas de enchentes com pluviômetros conectados e modelos hidrológicos que avisam a "
        "defesa civil com horas de antecedência.",
    ),
    "p-es-schools": (
        "es",
        "Plataforma de aprendizaje digital para escuelas públicas con tabletas, contenidos "
        "curriculares y formación docente.",
    ),
}


@pytest.fixture(scope="module")
def e5() -> Embedder:
    """The real default model (loaded once per process whichever test module asks first)."""
    return get_embedder(None, model_dir())


def test_a_spanish_challenge_finds_english_and_portuguese_offers(e5: Embedder) -> None:
    official = Profile("g-1", "government", ("es", "en", "pt"), ("resource-management",), CHALLENGE)
    # Themes and languages equal for everyone: only the text can tell the offers apart.
    partners = [
        Profile(pid, "partner", ("es", "en", "pt"), ("resource-management",), text)
        for pid, (_, text) in OFFERS.items()
    ]
    cache = InMemoryEmbeddingCache()
    index = build_index(
        [official],
        partners,
        embed_profiles(e5, [official], cache, "query"),
        embed_profiles(e5, partners, cache, "passage"),
        MatchRules(),
    )
    # Twelve pairs, two of them fits, keep every z-score below the claim threshold calibrated
    # on 3,200 pairs (the last test uses those): a lenient one shows which sentences are quoted.
    lenient = StrengthCalibration(similar_sentence_z=1.0, good_fit=35.0, strong_fit=95.0)
    suggestions = rank_partners(replace(index, calibration=lenient), top_k=3)
    # Both fits come before every other offer in their languages; a Spanish offer about
    # sensors for waste bins still slips between them (the model's own-language pull, which
    # per-language centring reduces but cannot remove in an event this small).
    assert {"p-en-leaks", "p-pt-leaks"} <= {s.partner_id for s in suggestions}
    assert suggestions[0].partner_id == "p-pt-leaks"
    best = suggestions[0].reasons[1]
    assert best.code == "similar"
    assert "fugas" in str(best.data["government_sentence"])
    assert "vazamentos" in str(best.data["partner_sentence"])


CYBERSECURITY = (
    "We protect municipal IT systems against ransomware and data breaches. Our security "
    "operations centre monitors networks around the clock. We also train public servants to "
    "spot phishing."
)


def test_a_cybersecurity_offer_is_weak_for_a_mobility_challenge_a_fit_is_strong(
    e5: Embedder, sample_participants: Path
) -> None:
    """Issue 15's example, in the sample event the thresholds were calibrated on."""
    profiles = load_profiles(sample_participants)
    cyber = Profile("p-cyber", "partner", ("es", "en"), ("citizen-security", "public-services"),
                    CYBERSECURITY)  # fmt: skip
    governments = [p for p in profiles if p.kind == "government"]
    partners = [*(p for p in profiles if p.kind == "partner"), cyber]
    cache = InMemoryEmbeddingCache()
    index = build_index(
        governments,
        partners,
        embed_profiles(e5, governments, cache, "query"),
        embed_profiles(e5, partners, cache, "passage"),
        MatchRules(),
    )
    # g-003 is Monterrey's traffic challenge; p-004 offers adaptive traffic-light control.
    ranked = {s.partner_id: s for s in rank_for_official(index, "g-003", top_k=len(partners))}
    assert load_grades()[("g-003", "p-004")] == 2
    fit, unrelated = ranked["p-004"], ranked["p-cyber"]
    assert fit.strength is Strength.STRONG
    similar = next(r for r in fit.reasons if r.code == "similar")
    assert "sem" in str(similar.data["government_sentence"]).lower()  # semáforos
    assert unrelated.strength is Strength.WEAK
    assert all(r.code != "similar" for r in unrelated.reasons)
