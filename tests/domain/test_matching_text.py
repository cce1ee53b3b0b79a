"""Sentence splitting, content hashes and language guessing."""

from __future__ import annotations

import pytest

from matchmaker.domain.matching import detect_language, split_sentences, text_hash


def test_splits_spanish_english_portuguese_sentences() -> None:
    assert split_sentences(
        "Las fugas superan el 40% de la red. ¿Cómo las encontramos a tiempo? Buscamos sensores."
    ) == [
        "Las fugas superan el 40% de la red.",
        "¿Cómo las encontramos a tiempo? Buscamos sensores.",  # "Buscamos sensores." is short
    ]
    assert split_sentences("We detect leaks acoustically. Pilots run in six cities!") == [
        "We detect leaks acoustically.",
        "Pilots run in six cities!",
    ]
    assert (
        len(split_sentences("A cidade tem 420 cruzamentos. Queremos ondas verdes nos corredores."))
        == 2
    )


@pytest.mark.parametrize(
    "text",
    [
        "El Sr. Pérez y la Dra. Gómez coordinan el piloto de movilidad urbana en Puebla.",
        "We cover sensors, e.g. acoustic loggers and pressure probes, in every district.",
        "La red mide 3.5 km por sector y se instaló en los años 80 con asbesto-cemento.",
        "J. Silva lidera o projeto de iluminação pública com telegestão em Campinas.",
        "Trabajamos con sensores, p. ej. medidores acústicos, en la red de agua potable.",
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_a_sentence(text: str) -> None:
    assert split_sentences(text) == [text]


def test_a_sentence_may_end_with_a_number() -> None:
    assert split_sentences(
        "Operamos semáforos adaptativos desde 2023. Hoy cubrimos cuarenta ciudades."
    ) == [
        "Operamos semáforos adaptativos desde 2023.",
        "Hoy cubrimos cuarenta ciudades.",
    ]


def test_line_breaks_and_list_marks_split_and_are_dropped() -> None:
    text = "Ofrecemos tres servicios principales:\n- detección de fugas no visibles\n- sectorización de la red"
    assert split_sentences(text) == [
        "Ofrecemos tres servicios principales:",
        "detección de fugas no visibles",
        "sectorización de la red",
    ]


def test_no_empty_pieces_and_long_ones_are_chunked() -> None:
    assert split_sentences("") == []
    assert split_sentences("   \n\n  ") == []
    long = ", ".join(f"componente número {i} del sistema integrado de gestión" for i in range(30))
    pieces = split_sentences(long + ".", max_chars=200)
    assert len(pieces) > 1
    assert all(0 < len(p) <= 200 for p in pieces)
    assert " ".join(pieces).replace(" ", "") == (long + ".").replace(" ", "")


def test_short_fragments_are_glued_to_a_neighbour() -> None:
    assert split_sentences("Hola. Buscamos socios para modernizar el alumbrado público.") == [
        "Hola. Buscamos socios para modernizar el alumbrado público."
    ]


def test_text_hash_ignores_spacing_but_not_content() -> None:
    assert text_hash("Agua  potable\n en Puebla ") == text_hash("Agua potable en Puebla")
    assert text_hash("Agua potable") != text_hash("agua potable")
    assert len(text_hash("x")) == 64


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Buscamos tecnología para detectar fugas en la red de agua de la ciudad.", "es"),
        ("We offer acoustic leak detection for ageing water networks in the city.", "en"),
        ("Procuramos soluções de controle semafórico em tempo real com central em nuvem.", "pt"),
    ],
)
def test_detects_the_description_language(text: str, language: str) -> None:
    assert detect_language(text, fallback="xx") == language


def test_language_falls_back_when_inconclusive() -> None:
    assert detect_language("IoT 5G LoRaWAN", fallback="pt") == "pt"
