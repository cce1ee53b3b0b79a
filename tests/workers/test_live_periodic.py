"""The meeting area's beat task: ten minutes into a slot it marks the no-show, offers standby
meetings and, with mail set up, sends the offer mail task (after the commit); running it again
does nothing twice. The offer mail reaches both people once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery.signals import before_task_publish
from flask import Flask

from matchmaker.config import celery_settings
from matchmaker.extensions import db
from matchmaker.models import Meeting, StandbyOffer
from matchmaker.services import standby_mail
from tests.conftest import clear_database, make_app
from tests.live_world import build_live_world, event_running_now
from workers import periodic


@pytest.fixture
def periodic_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(database_url, tmp_path / "instance", CELERY=celery_settings("memory://"))
    with app.app_context():
        yield app
    clear_database(app)


@pytest.fixture
def published() -> Iterator[list[str]]:
    names: list[str] = []

    def on_publish(sender: str, **_: Any) -> None:
        names.append(sender)

    before_task_publish.connect(on_publish, weak=False)
    yield names
    before_task_publish.disconnect(on_publish)


def test_watch_meetings_marks_offers_and_mails_once(
    periodic_app: Flask, published: list[str], smtp_sink: tuple[str, list]
) -> None:
    smtp_url, received = smtp_sink
    periodic_app.config.update(SMTP_URL=smtp_url)
    world = build_live_world(event_running_now(11))
    db.session.commit()
    summary = periodic.watch_meetings.run()
    assert summary["no_shows"] == [world.missed] and len(summary["offers"]) == 2
    assert published == ["workers.tasks.send_standby_offers"]
    assert db.session.get_one(Meeting, world.missed).status == "no-show"
    again = periodic.watch_meetings.run()
    assert again["no_shows"] == [] and again["offers"] == []
    assert published == ["workers.tasks.send_standby_offers"]  # nothing new to mail

    for offer_id in standby_mail.list_due_offer_mail():
        offer = standby_mail.claim_offer_mail(offer_id)
        assert offer is not None
        standby_mail.send_offer_mail(offer, smtp_url, "citas@example.org", "https://x.example/")
        db.session.commit()
    assert len(received) == 4  # two offers, both people each
    assert standby_mail.list_due_offer_mail() == []
    bodies = [envelope.content.decode() for envelope in received]
    assert any("Oficial 1" in body for body in bodies) and any("Socia 4" in body for body in bodies)
    assert db.session.execute(db.select(db.func.count()).select_from(StandbyOffer)).scalar() == 2
