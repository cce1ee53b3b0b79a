"""Configuration: built-in defaults overridden by MATCHMAKER_* environment variables.

Nothing else in the package reads os.environ, so every setting is visible here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
        "LANGUAGES": ("es", "en", "pt"),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        **throttling_settings(broker_url),
        # Never sent with another site's requests; script cannot read it. Secure when the
        # public address is https (create_app decides, after the tests' overrides).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CELERY": celery_settings(broker_url, eager, visibility, queue),
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
        # Failed logins only: a hall of people logging in from one address is never held up
        # by its successes; a guesser gets 5 tries per account and 100 per address.
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("MATCHMAKER_LOGIN_LIMIT_PER_ACCOUNT")
        or "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": env.get("MATCHMAKER_LOGIN_LIMIT_PER_ADDRESS")
        or "100 per 10 minutes",
        # Every request for a password link, whether or not the email has an account.
        "PASSWORD_RESET_LIMIT_PER_ACCOUNT": env.get("MATCHMAKER_PASSWORD_RESET_LIMIT_PER_ACCOUNT")
        or "3 per hour",
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": env.get("MATCHMAKER_PASSWORD_RESET_LIMIT_PER_ADDRESS")
        or "100 per 10 minutes",
        # Every password sent through a valid invitation link (each one is hashed).
        "INVITE_LIMIT_PER_ACCOUNT": env.get("MATCHMAKER_INVITE_LIMIT_PER_ACCOUNT")
        or "10 per 10 minutes",
        "INVITE_LIMIT_PER_ADDRESS": env.get("MATCHMAKER_INVITE_LIMIT_PER_ADDRESS")
        or "300 per 10 minutes",
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
    }


def _transport_options(broker_url: str, visibility_timeout: int) -> dict[str, Any]:
    if broker_url.startswith("redis"):
        # Redis re-delivers an unacknowledged task after this long (acks_late + a dead worker).
        # A worker killed while restoring holds the restore lock until it expires: keep that
        # no longer than the visibility timeout, or re-delivery waits for the lock instead.
        return {
            "visibility_timeout": visibility_timeout,
            "unacked_mutex_expire": min(300, visibility_timeout),
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
