"""Can this process do its work now? The database and the broker, each asked briefly."""

from __future__ import annotations

import logging

from flask import current_app

from matchmaker.extensions import db

log = logging.getLogger(__name__)
#: Seconds a readiness check may wait for the broker: a load balancer asks often.
BROKER_TIMEOUT = 2.0


def database_reachable() -> bool:
    try:
        db.session.execute(db.text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not ready", never a 500
        db.session.rollback()
        log.warning("readiness: database unreachable", exc_info=True)
        return False


def broker_reachable() -> bool:
    celery = current_app.extensions["celery"]
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0,
                                         timeout=BROKER_TIMEOUT)  # fmt: skip
            connection.default_channel  # noqa: B018  (opens the channel: the real check)
        return True
    except Exception:  # kombu raises several kinds; any of them means "not ready"
        log.warning("readiness: broker unreachable", exc_info=True)
        return False
