"""The Celery app and its tasks. `celery -A workers worker` starts a worker."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Celery's -A looks for `app` or `celery` here; build the Flask app only when asked,
    # so that importing workers.tasks from the web app creates no second Flask app.
    if name in ("app", "celery"):
        from matchmaker.app import create_app

        return create_app().extensions["celery"]
    raise AttributeError(name)
