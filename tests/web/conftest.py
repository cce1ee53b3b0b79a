"""Fixtures the web tests share (plain helpers live in helpers.py and the *_world.py modules)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.task_recorder import Tasks


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tasks]:
    """Every task the app hands to the workers, recorded instead of sent (workers are tested
    elsewhere). Recorded where the broker would get it: after the commit, so a test sees only
    what a worker would see; and every task whose row a worker would not have found yet (sent
    before its transaction committed) fails the test when it ends."""
    recorded = Tasks()
    monkeypatch.setattr("matchmaker.background._publish", recorded.record)
    yield recorded
    early = recorded.sent_before_commit()
    assert not early, f"sent before their rows were committed: {early}"
