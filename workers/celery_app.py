"""Celery configured from the Flask config; every task runs inside the app context."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for a Flask app (the Flask documentation's pattern)."""

    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    release_session()

    if app.config["CELERY"]["broker_url"].startswith("sqla+"):
        _poll_embedded_broker_often()
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    import workers.periodic  # registers the beat's tasks
    import workers.tasks  # noqa: F401  (registers the shared tasks)
    from workers.health import watch

    watch(celery_app, app)  # its workers say they are alive: workers/health.py
    return celery_app


def release_session() -> None:
    """End the task's database session before its app context does.

    Ending it rolls back whatever a read after the last commit began. On a connection the
    database has closed since (a restart, an administrator's kill), even that rollback fails:
    the connection is thrown away instead, so a task whose work is saved does not fail (and a
    task that failed keeps its own error, for its retry)."""
    from sqlalchemy.exc import OperationalError

    from matchmaker.extensions import db

    try:
        db.session.remove()
    except OperationalError:
        db.session().invalidate()  # close without the rollback the dead connection refuses
        db.session.remove()


def _poll_embedded_broker_often() -> None:
    """The embedded broker is polled, by default once a second when idle, which caps a worker
    at about a task a second. kombu reads the interval from the transport options, but its
    SQLAlchemy transport also passes those options to create_engine, which refuses them; so
    the interval is set on the transport class."""
    from kombu.transport import sqlalchemy

    sqlalchemy.Transport.polling_interval = 0.1
