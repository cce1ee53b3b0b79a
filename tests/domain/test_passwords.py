"""Password strength as data: each weak kind found, strong ones accepted, nothing raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matchmaker.domain.passwords import MIN_LENGTH, Weakness, password_weakness

PERSON = ("alcaldia@puebla.example.org", "Lucía Benítez Arriaga", "Ayuntamiento de Puebla")


@pytest.mark.parametrize(
    ("password", "weakness"),
    [
        ("1234567", Weakness.TOO_SHORT),
        ("12345678", Weakness.TOO_COMMON),
        ("password", Weakness.TOO_COMMON),
        ("Passw0rd", Weakness.TOO_COMMON),
        ("contraseña", Weakness.TOO_COMMON),
        ("contrasena123", Weakness.TOO_COMMON),
        ("senha123", Weakness.TOO_COMMON),
        ("smartcity2026", Weakness.TOO_COMMON),
        ("alcaldia@puebla.example.org", Weakness.PERSONAL),
        ("alcaldia2026!", Weakness.PERSONAL),
        ("LuciaBenitez1", Weakness.PERSONAL),
        ("Lucía Benítez Arriaga", Weakness.PERSONAL),
        ("ayuntamiento-puebla", Weakness.PERSONAL),
        ("abcdefgh1234", Weakness.PREDICTABLE),
        ("aaaaaaaaaaaa", Weakness.PREDICTABLE),
        ("x" * 200, Weakness.PREDICTABLE),
    ],
)
def test_weak_passwords_and_why(password: str, weakness: Weakness) -> None:
    assert password_weakness(password, PERSON) == weakness


@pytest.mark.parametrize(
    "password",
    ["tranvía-nublado-cosecha-41", "correct horse battery", "demo-2026", "k3#Lm9!pQ2" * 10],
)
def test_strong_passwords_pass(password: str) -> None:
    assert password_weakness(password, PERSON) is None


def test_the_same_password_is_personal_only_for_its_owner() -> None:
    assert password_weakness("lucia-benitez", PERSON) == Weakness.PERSONAL
    assert password_weakness("lucia-benitez", ("otra@example.org", "Ana Ruiz")) is None


@settings(max_examples=150, deadline=None)
@given(
    password=st.text(max_size=120),
    personal=st.lists(st.text(max_size=40), max_size=3),
)
def test_never_raises(password: str, personal: list[str]) -> None:
    weakness = password_weakness(password, personal)
    assert weakness is None or isinstance(weakness, Weakness)
    if len(password) < MIN_LENGTH:
        assert weakness == Weakness.TOO_SHORT
