"""The directory (search, filters, pages in SQL) and must-meet / not-interested marks: what
they hide, what they raise, what organisers see."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import String

from matchmaker.domain.embedding import HashingEmbedder
from matchmaker.extensions import db
from matchmaker.models import Event, InterestMark, Mark, MatchSuggestion, Participant
from matchmaker.services import interest_marks, matching, suggestions
from matchmaker.services.directory import DirectoryFilters, directory_page, get_counterpart
from matchmaker.services.match_review import MatchFilters, match_page
from matchmaker.text_search import fold, folded
from tests.factories import create_event, create_participant


@dataclass
class World:
    event: Event
    official: Participant
    other_official: Participant
    partners: list[Participant]
    stranger: Participant  # a partner of another event


@pytest.fixture
def world(app_ctx: Flask) -> World:
    event = create_event()
    official = create_participant(event, name="Ana Alcaldesa", languages=["es"])
    other_official = create_participant(event, name="Diego Ministro")
    partners = [
        create_participant(event, "partner", name="Bruno Pérez", organisation="Movilidad 100% SA",
                           organisation_type="startup", themes=["urban-mobility"],
                           languages=["pt", "es"], country="BR",
                           description="Semáforos inteligentes y autobuses eléctricos."),
        create_participant(event, "partner", name="Carla Ruiz", organisation="Agua_Limpia",
                           organisation_type="company", themes=["resource-management"],
                           languages=["en"], country="US",
                           description="Detección de fugas de agua para organismos operadores."),
        create_participant(event, "partner", name="bruno silva", organisation="Datos Abiertos",
                           organisation_type="ngo", themes=["public-services", "urban-mobility"],
                           languages=["es"], country="MX",
                           description="Portales de datos abiertos para gobiernos locales."),
    ]  # fmt: skip
    elsewhere = create_event(name="Otra Expo")
    stranger = create_participant(elsewhere, "partner", name="Bruno Otro")
    db.session.commit()
    return World(event, official, other_official, partners, stranger)


def names(world: World, **filters: object) -> list[str]:
    page = directory_page(world.official, DirectoryFilters(**filters))  # type: ignore[arg-type]
    return [p.name for p in page.people]


def test_the_directory_lists_the_other_side_of_the_event_only(world: World) -> None:
    assert names(world) == ["Bruno Pérez", "bruno silva", "Carla Ruiz"]  # by name, any case
    partner_view = directory_page(world.partners[0], DirectoryFilters())
    assert [p.name for p in partner_view.people] == ["Ana Alcaldesa", "Diego Ministro"]
    assert get_counterpart(world.official, world.partners[0].id) is world.partners[0]
    assert get_counterpart(world.official, world.other_official.id) is None  # same side
    assert get_counterpart(world.official, world.stranger.id) is None  # other event


def test_search_and_filters(world: World) -> None:
    assert names(world, query="BRUNO") == ["Bruno Pérez", "bruno silva"]
    assert names(world, query="bruno abiertos") == ["bruno silva"]  # every word must match
    assert names(world, query="agua_") == ["Carla Ruiz"]
    assert names(world, query="100%") == ["Bruno Pérez"]  # wildcards are taken literally
    assert names(world, query="_") == ["Carla Ruiz"]
    assert names(world, organisation_type="ngo") == ["bruno silva"]
    assert names(world, theme="urban-mobility") == ["Bruno Pérez", "bruno silva"]
    assert names(world, language="en") == ["Carla Ruiz"]
    assert names(world, country="mx") == ["bruno silva"]
    assert names(world, query="bruno", theme="public-services", language="es") == ["bruno silva"]
    # Values no vocabulary knows filter nothing, and never fail.
    assert len(names(world, theme="x%", language="'; --", country="ZZZ", query="\x00")) == 3


def test_search_ignores_accents_both_ways(world: World) -> None:
    assert names(world, query="perez") == ["Bruno Pérez"]  # typed without the accent
    assert names(world, query="PÉREZ") == ["Bruno Pérez"]
    create_participant(world.event, "partner", name="José Muñoz", organisation="São Água")
    create_participant(world.event, "partner", name="Jose Munoz", organisation="Sao Agua")
    db.session.commit()
    both = ["José Muñoz", "Jose Munoz"]
    assert sorted(names(world, query="jose muñoz")) == sorted(both)
    assert sorted(names(world, query="SÃO água")) == sorted(both)
    assert names(world, query="semáforos") == []  # descriptions are not searched


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(alphabet="aAeEnNoOcCzZ áÁàãÃâéÉêíÍóÓôõúÚüÜçÇñÑ%_'\\", max_size=12))
def test_the_database_folds_text_as_python_does(app_ctx: Flask, text: str) -> None:
    # The words searched for are folded in Python, the columns in SQL: they must agree.
    query = db.select(folded(db.literal(text, String())))
    assert db.session.execute(query).scalar_one() == fold(text)


def test_pages_are_cut_in_sql_and_past_the_end_is_the_last(world: World) -> None:
    first = directory_page(world.official, DirectoryFilters(), size=2)
    assert (first.total, first.pages, [p.name for p in first.people]) == (
        3,
        2,
        ["Bruno Pérez", "bruno silva"],
    )
    last = directory_page(world.official, DirectoryFilters(page=99), size=2)
    assert (last.page, [p.name for p in last.people]) == (2, ["Carla Ruiz"])


def test_marks_are_set_changed_and_cleared(world: World) -> None:
    official, bruno = world.official, world.partners[0]
    assert interest_marks.set_mark(official, bruno, Mark.MUST_MEET) is True
    assert interest_marks.set_mark(official, bruno, Mark.MUST_MEET) is False  # no change
    assert interest_marks.get_mark(official, bruno.id) == "must-meet"
    assert interest_marks.set_mark(official, bruno, Mark.NOT_INTERESTED) is True
    assert interest_marks.marks_of(official, [bruno.id, world.partners[1].id]) == {
        bruno.id: "not-interested"
    }
    assert names(world, marked="not-interested") == ["Bruno Pérez"]
    assert interest_marks.set_mark(official, bruno, None) is False  # was not must-meet
    assert db.session.execute(db.select(db.func.count(InterestMark.id))).scalar_one() == 0
    for other in (world.other_official, world.stranger):
        with pytest.raises(interest_marks.MarkError):
            interest_marks.set_mark(official, other, Mark.MUST_MEET)


def test_must_meet_counts_as_interest_and_both_sides_as_mutual(world: World) -> None:
    official, bruno, carla = world.official, *world.partners[:2]
    people = {p.external_id: p for p in (official, world.other_official, *world.partners)}
    interest_marks.set_mark(official, bruno, Mark.MUST_MEET)
    interest_marks.set_mark(carla, official, Mark.MUST_MEET)
    interest_marks.set_mark(official, world.partners[2], Mark.NOT_INTERESTED)
    rules = matching.match_rules(world.event, people)
    assert rules.interest == {
        (official.external_id, bruno.external_id): "one-sided",
        (official.external_id, carla.external_id): "one-sided",
    }
    interest_marks.set_mark(bruno, official, Mark.MUST_MEET)
    rules = matching.match_rules(world.event, people)
    assert rules.interest[official.external_id, bruno.external_id] == "mutual"


def score(official: Participant, partner: Participant) -> float:
    query = db.select(MatchSuggestion.score).where(
        MatchSuggestion.government_id == official.id, MatchSuggestion.partner_id == partner.id
    )
    return db.session.execute(query).scalar_one()


def test_a_must_meet_raises_the_pairs_score_on_recomputation(world: World) -> None:
    embedder = HashingEmbedder(dim=64)
    official, carla = world.official, world.partners[1]
    matching.compute_suggestions(world.event, embedder)
    db.session.commit()
    before = score(official, carla)
    interest_marks.set_mark(official, carla, Mark.MUST_MEET)
    matching.compute_suggestions(world.event, embedder)
    db.session.commit()
    assert score(official, carla) > before
    reasons = db.session.execute(
        db.select(MatchSuggestion.reasons).where(MatchSuggestion.partner_id == carla.id,
                                                 MatchSuggestion.government_id == official.id)
    ).scalar_one()  # fmt: skip
    assert "interest" in {r["code"] for r in reasons}


def suggest(world: World) -> None:
    for rank, partner in enumerate(world.partners, start=1):
        for official in (world.official, world.other_official):
            db.session.add(MatchSuggestion(event_id=world.event.id, government_id=official.id,
                                           partner_id=partner.id, score=90.0 - rank,
                                           rank_for_government=rank, rank_for_partner=1))  # fmt: skip
    db.session.flush()


def test_not_interested_hides_the_pair_from_its_author_only(world: World) -> None:
    suggest(world)
    bruno = world.partners[0]
    interest_marks.set_mark(world.official, bruno, Mark.NOT_INTERESTED)
    mine = suggestions.list_suggestions(world.official)
    assert bruno not in [s.partner for s in mine] and len(mine) == 2
    assert world.official in [s.government for s in suggestions.list_suggestions(bruno)]
    assert len(suggestions.list_suggestions(world.other_official)) == 3
    assert interest_marks.list_dismissed(world.official) == [bruno]


def test_the_match_review_shows_and_filters_wanted_pairs(world: World) -> None:
    suggest(world)
    official, bruno, carla = world.official, *world.partners[:2]
    interest_marks.set_mark(official, bruno, Mark.MUST_MEET)
    interest_marks.set_mark(bruno, official, Mark.MUST_MEET)
    interest_marks.set_mark(carla, world.other_official, Mark.MUST_MEET)
    interest_marks.set_mark(official, carla, Mark.NOT_INTERESTED)  # not a "wants to meet"
    page = match_page(world.event, MatchFilters())
    wanted = {
        (row.suggestion.government_id, row.suggestion.partner_id): row.wanted_by
        for row in page.rows
        if row.wanted_by
    }
    assert wanted == {
        (official.id, bruno.id): {official.id, bruno.id},
        (world.other_official.id, carla.id): {carla.id},
    }
    only = match_page(world.event, MatchFilters(wanted=True))
    assert only.total == 2 and {row.suggestion.partner_id for row in only.rows} == {
        bruno.id,
        carla.id,
    }
