"""The directory in Chromium, on a phone (390x844) and a desktop: an official searches the
partners, opens a profile and marks "Quiero reunirme"; a real worker recomputes the suggestions
with the real model, and the organiser's match review shows the mark on the pair, whose score
went up."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from matchmaker.extensions import db
from matchmaker.models import Event, MatchSuggestion
from matchmaker.services import matching
from matchmaker.services.accounts import create_user
from tests.browser.conftest import PASSWORD, LiveServer, create_account, log_in, screenshot
from tests.factories import create_event, create_participant
from tests.workers.conftest import Worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

ORGANISER = "directorio-org@smartcityexpo.example.org"
OFFICIAL_EMAIL = "directorio-lucia@example.org"
#: The partner the official marks: an open-data NGO, a weak fit for a water-loss challenge.
TARGET = "Tamara Solís"
TARGET_ORGANISATION = "Datos Abiertos AC"
#: Encoding a handful of profiles, with the model loaded once by the worker.
RECOMPUTE_TIMEOUT = 600
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class DirectoryEvent:
    event_id: int
    official_id: int
    target_id: int


PARTNERS = (
    ("Rafael Montes", "Aguas Claras SA", "company", ["resource-management"], ["es"],
     "Detectamos fugas en redes de agua potable con sensores acústicos y reducimos pérdidas."),
    ("Grace Hopper", "Bright Grid Ltd", "company", ["environmental-sustainability"], ["en"],
     "Smart grids and rooftop solar for municipal buildings."),
    ("Paula Ruiz", "Ruta Verde", "startup", ["urban-mobility"], ["es"],
     "Bicicletas públicas y carriles exclusivos para transporte público."),
    (TARGET, TARGET_ORGANISATION, "ngo", ["public-services"], ["es"],
     "Portales de datos abiertos y transparencia presupuestaria para gobiernos locales."),
)  # fmt: skip


@pytest.fixture
def directory_event(live_server: LiveServer) -> Iterator[DirectoryEvent]:
    """An event with two officials and four partners, its suggestions requested from the
    worker the way a profile edit requests them. Removed afterwards."""
    with live_server.context() as app:
        app.extensions["celery"].set_current()  # the tasks go to this server's broker
        event = create_event(days=1, num_tables=4, name="Expo directorio")
        official = create_participant(
            event, "government", name="Lucía Herrera", email=OFFICIAL_EMAIL,
            organisation="Municipio de Oaxaca", themes=["resource-management"], languages=["es"],
            description="Perdemos el 40 % del agua potable en fugas de la red de distribución.",
        )  # fmt: skip
        create_participant(event, "government", name="Tomás Rivas", email="directorio-t@ex.org",
                           description="Queremos menos tráfico en el centro.")  # fmt: skip
        target = None
        for n, (name, organisation, kind, themes, languages, text) in enumerate(PARTNERS):
            partner = create_participant(
                event, "partner", name=name, organisation=organisation, organisation_type=kind,
                themes=themes, languages=languages, description=text,
                email=f"directorio-p{n}@example.org",
            )  # fmt: skip
            target = partner if name == TARGET else target
        assert target is not None
        create_user(OFFICIAL_EMAIL, PASSWORD, "official", official)
        matching.request_recompute(event)
        db.session.commit()
        made = DirectoryEvent(event.id, official.id, target.id)
    yield made
    with live_server.context():
        db.session.execute(db.delete(Event).where(Event.id == made.event_id))
        db.session.commit()


def pair_score(live_server: LiveServer, world: DirectoryEvent) -> float | None:
    with live_server.context():
        query = db.select(MatchSuggestion.score).where(
            MatchSuggestion.government_id == world.official_id,
            MatchSuggestion.partner_id == world.target_id,
        )
        return db.session.execute(query).scalar_one_or_none()


def test_directory_search_and_must_meet_raise_the_pair(
    new_page: Any, live_server: LiveServer, live_worker: Worker, directory_event: DirectoryEvent
) -> None:
    wait_until(lambda: pair_score(live_server, directory_event) is not None, RECOMPUTE_TIMEOUT,
               "the worker to compute the suggestions")  # fmt: skip
    before = pair_score(live_server, directory_event)
    assert before is not None

    official = new_page()
    official.set_viewport_size(PHONE)
    log_in(official, OFFICIAL_EMAIL)
    official.goto("/me/")
    official.get_by_role("link", name="Directorio", exact=True).click()
    expect(official.get_by_role("heading", name="Directorio", exact=True)).to_be_visible()
    expect(official.locator("article.directory-entry")).to_have_count(len(PARTNERS))
    official.get_by_label("Nombre u organización").fill("datos")
    official.get_by_role("button", name="Buscar").click()
    entries = official.locator("article.directory-entry")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text(TARGET_ORGANISATION)
    screenshot(official, "participant-directory-phone-es")
    fits = official.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits, "the directory scrolls sideways on a 390 px phone"

    official.get_by_role("link", name=TARGET, exact=True).click()
    expect(official.get_by_role("heading", name=TARGET, exact=True)).to_be_visible()
    expect(official.get_by_text("Portales de datos abiertos")).to_be_visible()
    expect(official.get_by_role("link", name="Solicitar reunión")).to_be_visible()
    official.get_by_role("button", name=f"Quiero reunirme con {TARGET}").click()
    expect(official.get_by_role("status")).to_contain_text(
        f"Marcaste que quieres reunirte con {TARGET}"
    )
    expect(official.get_by_text("Quieres reunirte", exact=True)).to_be_visible()
    screenshot(official, "participant-person-must-meet-phone-es")
    official.set_viewport_size({"width": 1280, "height": 900})
    official.goto("/me/directory")
    screenshot(official, "participant-directory-desktop-es")

    # The mark asked the worker for a recomputation: the pair now counts as explicit interest.
    def raised() -> bool:
        score = pair_score(live_server, directory_event)
        return score is not None and score > before

    wait_until(raised, RECOMPUTE_TIMEOUT, "the must-meet pair's score to go up")

    organiser = new_page()
    log_in(organiser, create_account(live_server, ORGANISER, "organiser"))
    organiser.goto(f"/organiser/?event={directory_event.event_id}")
    organiser.goto("/organiser/matches")
    organiser.get_by_label("Solo pares con «Quiere reunirse»").check()
    organiser.get_by_role("button", name="Filtrar").click()
    rows = organiser.locator("table.matches tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(TARGET_ORGANISATION)
    expect(rows).to_contain_text("Quiere reunirse: funcionario/a")
    shown = float(re.match(r"[\d.]+", rows.locator("td.num").inner_text()).group())  # type: ignore[union-attr]
    assert shown > math.floor(before * 10) / 10  # the page floors to one decimal
    screenshot(organiser, "organiser-matches-must-meet-es")
