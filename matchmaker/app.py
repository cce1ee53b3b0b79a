"""The application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event

from matchmaker import background, config, dates, page_cache, text_search, translation_lookup
from matchmaker.error_pages import register_error_pages
from matchmaker.extensions import babel, csrf, db, login_manager, migrate
from matchmaker.http_security import register_security_headers
from matchmaker.throttling import register_throttling

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """The application: configuration, extensions, blueprints and the Celery app."""
    app = Flask(
        __name__,
        instance_path=instance_path or config.instance_path_from_env(),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.build_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    if "SESSION_COOKIE_SECURE" not in (test_config or {}):
        # Secure cookies exactly when the public address is https (set in tests too).
        app.config["SESSION_COOKIE_SECURE"] = str(app.config["BASE_URL"]).startswith("https://")
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    _init_extensions(app)
    background.register(app)
    _register_converters(app)
    _register_blueprints(app)
    register_security_headers(app)
    register_error_pages(app)
    register_throttling(app)
    page_cache.register(app)  # last: its hook answers before the view, after the others
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals.update(dates.TEMPLATE_HELPERS)  # one format per kind of date
    from workers.celery_app import celery_init_app

    celery_init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    translation_lookup.install(app, babel)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"

    from matchmaker.auth.sessions import load_user_from_session_id

    login_manager.user_loader(load_user_from_session_id)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets the web and the workers read while one of them writes; SQLite only enforces
    foreign keys (and so ON DELETE CASCADE) when asked. SQLite's own lower() folds only ASCII
    letters ("Água" stays "Água"); PostgreSQL's folds every letter, and so does Python's,
    which replaces it: a search or an email lookup matches alike on both databases."""
    connection.create_function("lower", 1, _lower, deterministic=True)
    connection.create_function(text_search.SQLITE_FUNCTION, 1, text_search.sqlite_fold,
                               deterministic=True)  # fmt: skip
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _select_locale() -> str | None:
    """?lang=, else the user's saved language, else the session's, else the browser's, else es.
    An API call: ?lang=, else Accept-Language, else its token's account's language, else es."""
    if not has_request_context():
        return None  # workers and commands: the default locale
    languages = config.UI_LANGUAGES
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):  # a client says so per call, else its account's
        asked = request.accept_languages.best_match(languages)
        token = g.get("api_token")
        saved = token.user.locale if token is not None else None
        return asked or (saved if saved in languages else "es")
    if current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    from flask import session

    if session.get("locale") in languages:
        return str(session["locale"])
    return request.accept_languages.best_match(languages) or "es"


def _lower(text: str | None) -> str | None:
    return text.lower() if isinstance(text, str) else text


def _register_converters(app: Flask) -> None:
    """``<int:…>`` in every route takes only ids a database column holds: larger is a 404."""
    from matchmaker.ids import IdConverter

    app.url_map.converters["int"] = IdConverter


def _register_blueprints(app: Flask) -> None:
    from matchmaker.auth import bp as auth_bp
    from matchmaker.main import bp as main_bp
    from matchmaker.offline import bp as offline_bp
    from matchmaker.organiser import bp as organiser_bp
    from matchmaker.participant import bp as participant_bp

    for blueprint in (main_bp, auth_bp, organiser_bp, participant_bp, offline_bp):
        app.register_blueprint(blueprint)
    from matchmaker.api import init_api

    init_api(app)
