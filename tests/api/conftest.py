"""Fixtures the API tests share (plain helpers live in api_world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.api.api_world import ApiWorld, make_world
from tests.web.task_recorder import Tasks


@pytest.fixture
def world(app: Flask) -> ApiWorld:
    return make_world(app)


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tasks]:
    """Tasks recorded after the commit instead of sent, as in the web tests (see there)."""
    recorded = Tasks()
    monkeypatch.setattr("matchmaker.background._publish", recorded.record)
    yield recorded
    assert not recorded.sent_before_commit()
