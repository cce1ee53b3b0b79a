"""The suggestions page: strength in words, quotes labelled for the reader, no weak padding."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from matchmaker.domain.matching import Reason, Strength, Suggestion
from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion
from matchmaker.services.accounts import create_user
from matchmaker.services.matching import strength_entry
from tests.web.helpers import login
from tests.web.participant_world import PASSWORD, People, login_as, make_people

pytestmark = pytest.mark.usefixtures("tasks")

CHALLENGE = "Queremos reducir el tráfico en el centro histórico."
OFFERING = "Semáforos inteligentes e ônibus elétricos."


def stored_reasons(strength: Strength, fit: float, *, similar: bool) -> list[dict[str, object]]:
    """Reasons as a computation stores them (services.matching writes the strength entry)."""
    reasons = [Reason("themes", "shared themes: urban-mobility", {"themes": ["urban-mobility"]})]
    if similar:
        data = {"government_sentence": CHALLENGE, "partner_sentence": OFFERING, "similarity": 0.8}
        reasons.append(Reason("similar", "similar need", data))
    suggestion = Suggestion("g", "p", 1, fit, tuple(reasons), {"fit": fit}, strength)
    entries = [{"code": r.code, "text": r.text, "data": dict(r.data)} for r in reasons]
    return [strength_entry(suggestion), *entries]


def suggest(app: Flask, people: People, partner: int, strength: Strength, fit: float,
            rank: int, status: str = "suggested") -> None:  # fmt: skip
    with app.app_context():
        db.session.add(
            MatchSuggestion(
                event_id=people.event,
                government_id=people.official,
                partner_id=partner,
                score=fit,
                rank_for_government=rank,
                rank_for_partner=1,
                status=status,
                reasons=stored_reasons(strength, fit, similar=strength is Strength.STRONG),
            )
        )
        db.session.commit()


def test_strength_and_quotes_from_each_side(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    suggest(app, people, people.partner, Strength.STRONG, 97.0, rank=1)
    login_as(app, client, people.official)
    page = client.get("/me/suggestions").get_data(as_text=True)
    assert "Muy afín" in page and "Mobilidade Urbana Ltda" in page
    assert f"Tu reto:</span> <q>{CHALLENGE}</q>" in page
    assert f"Su oferta:</span> <q>{OFFERING}</q>" in page
    login_as(app, client, people.partner)
    page = client.get("/me/suggestions").get_data(as_text=True)
    assert "Muy afín" in page and "Ana Alcaldesa" in page
    assert f"Su reto:</span> <q>{CHALLENGE}</q>" in page
    assert f"Tu oferta:</span> <q>{OFFERING}</q>" in page


def test_weak_pairs_do_not_fill_the_list(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    suggest(app, people, people.partner, Strength.GOOD, 60.0, rank=1)
    suggest(app, people, people.other_partner, Strength.WEAK, 4.0, rank=2)
    login_as(app, client, people.official)
    page = client.get("/me/suggestions").get_data(as_text=True)
    assert "Mobilidade Urbana Ltda" in page and "Afín" in page
    assert "Agua Limpia SA" not in page and "Poco afín" not in page
    assert "No te mostramos 1 sugerencia poco afín" in page
    assert 'href="/me/directory"' in page and 'href="/me/requests"' in page
    # An organiser's approval shows the weak pair, labelled as weak.
    with app.app_context():
        weak = db.session.execute(
            db.select(MatchSuggestion).where(MatchSuggestion.partner_id == people.other_partner)
        ).scalar_one()
        weak.status = "approved"
        db.session.commit()
    page = client.get("/me/suggestions").get_data(as_text=True)
    assert "Agua Limpia SA" in page and "Poco afín" in page
    assert "No te mostramos" not in page


def test_only_weak_pairs_say_so_instead_of_an_empty_list(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    suggest(app, people, people.other_partner, Strength.WEAK, 4.0, rank=1)
    login_as(app, client, people.official)
    page = client.get("/me/suggestions").get_data(as_text=True)
    assert "Agua Limpia SA" not in page
    assert "No te mostramos 1 sugerencia poco afín" in page
    assert "Todavía no hay sugerencias" not in page


def test_organisers_see_weak_pairs_with_their_strength(app: Flask, client: FlaskClient) -> None:
    people = make_people(app)
    suggest(app, people, people.partner, Strength.STRONG, 97.0, rank=1)
    suggest(app, people, people.other_partner, Strength.WEAK, 4.0, rank=2)
    with app.app_context():
        create_user("org@example.org", PASSWORD, "organiser")
        db.session.commit()
    login(client, "org@example.org", PASSWORD)
    page = client.get("/organiser/matches").get_data(as_text=True)
    assert "Muy afín" in page and "Poco afín" in page and "Agua Limpia SA" in page
    assert f"Reto: <q>{CHALLENGE}</q>" in page and f"Oferta: <q>{OFFERING}</q>" in page
    assert "strong match" not in page  # the stored entry is not listed as a reason
