"""Fixtures the web tests share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from matchmaker.background import PendingTask


class Recorder:
    """The calls one task received: the arguments of each send, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []


@dataclass
class Tasks:
    recorders: dict[str, Recorder] = field(default_factory=dict)
    sent: list[PendingTask] = field(default_factory=list)

    def __getitem__(self, name: str) -> Recorder:
        return self.recorders.setdefault(name, Recorder())


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> Tasks:
    """Every task the app hands to the workers, recorded instead of sent (workers are tested
    elsewhere). Recorded where the broker would get it: after the commit, so a test sees only
    what a worker would see."""
    recorded = Tasks()

    def publish(task: PendingTask) -> None:
        recorded.sent.append(task)
        recorded[task.name.rsplit(".", 1)[-1]].calls.append(task.args)

    monkeypatch.setattr("matchmaker.background._publish", publish)
    return recorded
