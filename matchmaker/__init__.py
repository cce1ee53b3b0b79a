"""matchmaker: B2B matchmaking for government-industry congresses."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy, so that importing matchmaker.domain loads no web framework.
    if name == "create_app":
        from matchmaker.app import create_app

        return create_app
    raise AttributeError(name)
