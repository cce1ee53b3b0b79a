"""Configuration: built-in defaults overridden by MATCHMAKER_* environment variables.

Every setting of the app is read here; the only other variable read is MATCHMAKER_PASSWORD,
a secret the commands that create accounts take instead of prompting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: The languages the interface, mails and exports speak; Spanish first (the default).
UI_LANGUAGES = ("es", "en", "pt")

#: Periodic tasks sent by Celery beat: schedule name -> (task, interval variable, default
#: seconds). Reminders look often, so they go out close to REMINDER_MINUTES before.
PERIODIC_TASKS = {
    "expire-requests": ("workers.periodic.expire_requests", "MATCHMAKER_EXPIRY_INTERVAL", 300),
    "send-reminders": ("workers.periodic.send_reminders", "MATCHMAKER_REMINDER_INTERVAL", 60),
    "retry-failed-mail": (
        "workers.periodic.retry_failed_mail",
        "MATCHMAKER_MAIL_RETRY_INTERVAL",
        600,
    ),
    "sweep-due-work": ("workers.periodic.sweep_due_work", "MATCHMAKER_SWEEP_INTERVAL", 300),
    "clean-up-jobs": ("workers.periodic.clean_up_jobs", "MATCHMAKER_CLEANUP_INTERVAL", 86400),
    # No-shows and standby offers: a minute's delay is a minute of an empty table.
    "watch-meetings": ("workers.periodic.watch_meetings", "MATCHMAKER_LIVE_INTERVAL", 60),
    # Webhook deliveries whose task was lost (a dead broker) or whose retry is due.
    "send-due-webhooks": (
        "workers.periodic.send_due_webhooks",
        "MATCHMAKER_WEBHOOKS_SWEEP_INTERVAL",
        60,
    ),
}
#: The beat's record of when each task last ran, in the instance folder (never the repo).
BEAT_SCHEDULE_FILE = "celerybeat-schedule"

#: Variables a deployment may set, with what they mean (the README lists them too).
ENVIRONMENT_VARIABLES = {
    "MATCHMAKER_DATABASE_URL": "SQLAlchemy URL; default a SQLite file in the instance folder",
    "MATCHMAKER_BROKER_URL": "Celery broker; default an embedded SQLite broker (no server)",
    "MATCHMAKER_SECRET_KEY": "session signing key; default a random key kept in the instance",
    "MATCHMAKER_EMBEDDING_MODEL": "sentence-transformers model name or path; default the "
    "bundled multilingual-e5-small",
    "MATCHMAKER_MODEL_DIR": "where the default model is built once; default instance/models",
    "MATCHMAKER_SMTP_URL": "smtp://user:pass@host:port for invitations; default: not sent",
    "MATCHMAKER_MAIL_FROM": "sender address of every mail",
    "MATCHMAKER_BASE_URL": "the public address in mailed and handed-out links, e.g. "
    "https://citas.example.org/ (default: the address `matchmaker serve`/`up` listens on; "
    "never the request's Host header); https here also makes the session cookie Secure",
    "MATCHMAKER_INSTANCE_PATH": "folder for the SQLite files, models and secrets",
    "MATCHMAKER_TASK_QUEUE": "the queue tasks go to and workers consume (default celery)",
    "MATCHMAKER_BROKER_VISIBILITY_TIMEOUT": "seconds before Redis re-delivers the task of a "
    "worker that died (default 3600; longer than the longest task)",
    "MATCHMAKER_TASKS_EAGER": "1 runs tasks in-process instead of on a worker (debugging only)",
    "MATCHMAKER_PAGE_CACHE_SIZE": "participants' pages each web process keeps until the data "
    "changes (default 4000, about 15 KB each; 0 keeps none)",
    # Periodic work (workers/periodic.py, sent by Celery beat).
    "MATCHMAKER_REMINDER_MINUTES": "minutes before a meeting both sides get a reminder mail "
    "(default 15; 0 sends none)",
    "MATCHMAKER_STALE_JOB_HOURS": "hours after which a job no worker picked up is marked "
    "failed (default 6)",
    "MATCHMAKER_JOB_RETENTION_DAYS": "days finished jobs are kept; the latest of each kind "
    "per event stays (default 30)",
    **{
        variable: f"seconds between two runs of {task.rsplit('.', 1)[1]} (default {default}; "
        "0 turns it off)"
        for task, variable, default in PERIODIC_TASKS.values()
    },
    # Throttling (matchmaker.throttling); limits in Flask-Limiter's syntax, e.g. "5 per 15 minutes".
    "MATCHMAKER_TRUSTED_PROXIES": "how many reverse proxies in front of the app set "
    "X-Forwarded-For/-Proto (default 0: those headers are ignored)",
    "MATCHMAKER_RATELIMIT_STORAGE_URL": "where throttling counts live, shared by every web "
    "process (default: the broker when it is redis://, else each process's memory)",
    "MATCHMAKER_LOGIN_LIMIT_PER_ACCOUNT": "failed logins per email (default 5 per 15 minutes)",
    "MATCHMAKER_LOGIN_LIMIT_PER_ADDRESS": "failed logins per client address "
    "(default 100 per 10 minutes)",
    "MATCHMAKER_PASSWORD_RESET_LIMIT_PER_ACCOUNT": "password links asked for one email "
    "(default 3 per hour)",
    "MATCHMAKER_PASSWORD_RESET_LIMIT_PER_ADDRESS": "password links asked from one client "
    "address (default 100 per 10 minutes)",
    "MATCHMAKER_INVITE_LIMIT_PER_ACCOUNT": "passwords sent through one account's invitation "
    "link (default 10 per 10 minutes)",
    "MATCHMAKER_INVITE_LIMIT_PER_ADDRESS": "passwords sent through invitation links from one "
    "client address (default 300 per 10 minutes)",
    "MATCHMAKER_API_LIMIT_PER_TOKEN": "calls to the API per token (default 600 per minute)",
    # Webhooks (matchmaker.services.webhook_delivery).
    "MATCHMAKER_WEBHOOKS_ALLOW_PRIVATE": "1 lets webhooks go to loopback and private "
    "addresses (a receiver on the same machine or network); default refused",
    "MATCHMAKER_WEBHOOKS_CONNECT_TIMEOUT": "seconds to connect to a webhook receiver (default 5)",
    "MATCHMAKER_WEBHOOKS_TIMEOUT": "seconds a webhook delivery may take in all (default 10)",
    "MATCHMAKER_WEBHOOKS_MAX_ATTEMPTS": "attempts before a webhook delivery is marked failed "
    "(default 8)",
    "MATCHMAKER_WEBHOOKS_RETRY_SECONDS": "wait before the first retry of a webhook delivery, "
    "doubled after each failure (default 30)",
    "MATCHMAKER_WEBHOOKS_RETRY_MAX_SECONDS": "longest wait between two attempts of a webhook "
    "delivery (default 3600)",
}


def instance_path_from_env() -> str | None:
    """The instance folder chosen by the environment, if any."""
    return os.environ.get("MATCHMAKER_INSTANCE_PATH") or None


def build_config(instance_path: str) -> dict[str, Any]:
    """The application's settings for an instance folder, environment applied."""
    env = os.environ
    instance = Path(instance_path)
    database_url = env.get("MATCHMAKER_DATABASE_URL") or f"sqlite:///{instance / 'matchmaker.db'}"
    broker_url = env.get("MATCHMAKER_BROKER_URL") or f"sqla+sqlite:///{instance / 'broker.db'}"
    eager = env.get("MATCHMAKER_TASKS_EAGER", "") == "1"
    visibility = int(env.get("MATCHMAKER_BROKER_VISIBILITY_TIMEOUT") or 3600)
    queue = env.get("MATCHMAKER_TASK_QUEUE") or "celery"
    periodic = periodic_settings()
    celery = celery_settings(broker_url, eager, visibility, queue)
    celery.update(beat_settings(instance, periodic["REMINDER_MINUTES"]))
    return {
        "SECRET_KEY": env.get("MATCHMAKER_SECRET_KEY") or _instance_secret(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "EMBEDDING_MODEL": env.get("MATCHMAKER_EMBEDDING_MODEL") or "",
        "MODEL_DIR": env.get("MATCHMAKER_MODEL_DIR") or str(instance / "models"),
        "SMTP_URL": env.get("MATCHMAKER_SMTP_URL") or "",
        "MAIL_FROM": env.get("MATCHMAKER_MAIL_FROM") or "matchmaker@localhost",
        "BASE_URL": env.get("MATCHMAKER_BASE_URL") or "",
        "BABEL_DEFAULT_LOCALE": "es",
        "BABEL_DEFAULT_TIMEZONE": "America/Mexico_City",
        "LANGUAGES": UI_LANGUAGES,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "PAGE_CACHE_SIZE": int(env.get("MATCHMAKER_PAGE_CACHE_SIZE") or 4000),
        **throttling_settings(broker_url),
        **webhook_settings(),
        # Never sent with another site's requests; script cannot read it. Secure when the
        # public address is https (create_app decides, after the tests' overrides).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CELERY": celery,
        **periodic,
    }


def periodic_settings() -> dict[str, Any]:
    """What the periodic tasks (workers/periodic.py) do: reminder lead time, job ages."""
    env = os.environ
    return {
        "REMINDER_MINUTES": int(env.get("MATCHMAKER_REMINDER_MINUTES") or 15),
        "STALE_JOB_HOURS": float(env.get("MATCHMAKER_STALE_JOB_HOURS") or 6),
        "JOB_RETENTION_DAYS": float(env.get("MATCHMAKER_JOB_RETENTION_DAYS") or 30),
    }


def webhook_settings() -> dict[str, Any]:
    """How webhooks are delivered (``matchmaker.services.webhook_delivery``)."""
    env = os.environ
    allow = (env.get("MATCHMAKER_WEBHOOKS_ALLOW_PRIVATE") or "").strip().lower()
    return {
        "WEBHOOKS_ALLOW_PRIVATE": allow in ("1", "true", "yes", "on"),
        "WEBHOOKS_CONNECT_TIMEOUT": float(env.get("MATCHMAKER_WEBHOOKS_CONNECT_TIMEOUT") or 5),
        "WEBHOOKS_TIMEOUT": float(env.get("MATCHMAKER_WEBHOOKS_TIMEOUT") or 10),
        "WEBHOOKS_MAX_ATTEMPTS": int(env.get("MATCHMAKER_WEBHOOKS_MAX_ATTEMPTS") or 8),
        "WEBHOOKS_RETRY_SECONDS": float(env.get("MATCHMAKER_WEBHOOKS_RETRY_SECONDS") or 30),
        "WEBHOOKS_RETRY_MAX_SECONDS": float(
            env.get("MATCHMAKER_WEBHOOKS_RETRY_MAX_SECONDS") or 3600
        ),
    }


def beat_settings(instance: Path, reminder_minutes: int) -> dict[str, Any]:
    """Celery beat's schedule with the intervals the environment sets, and its schedule file
    in the instance folder. Reminders turned off (0 minutes) are left out of the schedule."""
    env = os.environ
    intervals = {
        name: float(env.get(variable) or default)
        for name, (_task, variable, default) in PERIODIC_TASKS.items()
    }
    if reminder_minutes <= 0:
        intervals["send-reminders"] = 0
    return {
        "beat_schedule": beat_schedule(intervals),
        "beat_schedule_filename": str(instance / BEAT_SCHEDULE_FILE),
    }


#: Throttling limits (the limits library's syntax), each overridable by MATCHMAKER_<name>.
LIMITS = {
    # Failed logins only: a hall of people logging in from one address is never held up by
    # its successes; a guesser gets 5 tries per account and 100 per address.
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "100 per 10 minutes",
    # Every request for a password link, whether or not the email has an account.
    "PASSWORD_RESET_LIMIT_PER_ACCOUNT": "3 per hour",
    "PASSWORD_RESET_LIMIT_PER_ADDRESS": "100 per 10 minutes",
    # Every password sent through a valid invitation link (each one is hashed).
    "INVITE_LIMIT_PER_ACCOUNT": "10 per 10 minutes",
    "INVITE_LIMIT_PER_ADDRESS": "300 per 10 minutes",
    # Every call to the public API, per token: a registration system pushing a few thousand
    # people in batches stays well inside it; a runaway loop does not.
    "API_LIMIT_PER_TOKEN": "600 per minute",
}


def throttling_settings(broker_url: str) -> dict[str, Any]:
    """Throttling (``matchmaker.throttling``): where counts live, trusted proxies, limits."""
    env = os.environ
    shared = broker_url if broker_url.startswith(("redis://", "rediss://")) else "memory://"
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": env.get("MATCHMAKER_RATELIMIT_STORAGE_URL") or shared,
        "RATELIMIT_KEY_PREFIX": "matchmaker-throttle",
        "TRUSTED_PROXIES": int(env.get("MATCHMAKER_TRUSTED_PROXIES") or 0),
        **{name: env.get(f"MATCHMAKER_{name}") or default for name, default in LIMITS.items()},
    }


def celery_settings(
    broker_url: str, eager: bool = False, visibility_timeout: int = 3600, queue: str = "celery"
) -> dict[str, Any]:
    """Celery configuration shared by the web app, the CLI and the workers."""
    return {
        "broker_url": broker_url,
        # Workers consume this queue; deployments (and test runs) sharing a broker set their own.
        "task_default_queue": queue,
        # Results live in our own tables (jobs, meetings), not in a result backend.
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        # A task whose worker dies is re-delivered instead of being lost.
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_always_eager": eager,
        "task_eager_propagates": eager,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": _transport_options(broker_url, visibility_timeout),
        # Periodic work: build_config sets the intervals from the environment and keeps the
        # beat's schedule file in the instance folder.
        "beat_schedule": beat_schedule(),
        "beat_schedule_filename": BEAT_SCHEDULE_FILE,
    }


def beat_schedule(intervals: dict[str, float] | None = None) -> dict[str, Any]:
    """Celery beat's schedule: each periodic task every so many seconds (the defaults of
    PERIODIC_TASKS unless ``intervals`` says otherwise; 0 leaves a task out). A message that
    waits longer than its interval expires: a stopped worker does not come back to a pile
    of the same task, the next tick sends a fresh one."""
    chosen: dict[str, float] = {
        name: default for name, (_task, _variable, default) in PERIODIC_TASKS.items()
    }
    chosen.update(intervals or {})
    return {
        name: {"task": task, "schedule": chosen[name], "options": {"expires": chosen[name]}}
        for name, (task, _variable, _default) in PERIODIC_TASKS.items()
        if chosen[name] > 0
    }


def _transport_options(broker_url: str, visibility_timeout: int) -> dict[str, Any]:
    if broker_url.startswith("redis"):
        # Redis re-delivers an unacknowledged task after this long (acks_late + a dead worker).
        # A worker killed while restoring holds the restore lock until it expires: keep that
        # no longer than the visibility timeout, or re-delivery waits for the lock instead.
        # A task taken from the queue just as the broker went away stays in Redis's unacked
        # set (the worker cannot put it back then): workers look for such tasks every 10 s
        # (kombu's default looks every 100 s), so it comes back soon after the timeout.
        return {
            "visibility_timeout": visibility_timeout,
            "unacked_mutex_expire": min(300, visibility_timeout),
            "unacked_restore_throttle": 1,
        }
    # kombu's SQLAlchemy transport hands every option to create_engine: pass none.
    return {}


def engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        # Workers and the web server share the file: wait for locks rather than fail at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _instance_secret(instance: Path) -> str:
    """A random secret created once per instance folder, so no secret lives in the repo."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
