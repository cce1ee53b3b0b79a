"""The public JSON API under /api/v1/, described by OpenAPI 3 (flask-smorest).

Why flask-smorest: it plugs into our own Flask app and blueprints (APIFlask wants to be the
app class), validates with marshmallow and writes the spec from the same schemas, and has
ETag support of its own. Its app-wide error handler is not installed: the HTML pages keep
theirs, and API blueprints answer with problems (``matchmaker.api.problems``).
"""

from __future__ import annotations

import http
from importlib import import_module

from flask import Flask
from flask_smorest import Api as SmorestApi
from flask_smorest.utils import prepare_response

from matchmaker.api import problems
from matchmaker.api.schemas import ProblemSchema

#: The resource modules, each with a ``blp`` made by ``core.api_blueprint``.
RESOURCES = (
    "events",
    "participants",
    "me",
    "suggestions",
    "requests",
    "meetings",
    "scheduling",
    "register",
    "webhooks",
)


class Api(SmorestApi):
    ERROR_SCHEMA = ProblemSchema
    # Each view documents the problems it answers with (``ApiBlueprint.problems``); a
    # catch-all "default" answer would make any status look documented.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        """None app-wide: see the module's docstring."""

    def _register_responses(self) -> None:
        """Every error status documented as a problem (application/problem+json)."""
        for status in http.HTTPStatus:
            response: dict[str, object] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, problems.CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


api = Api()


def init_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="matchmaker",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": "Participants in, meetings out: the matchmaker API. "
                                    "Every call needs a bearer token."},
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )  # fmt: skip
    api.init_app(app)
    for name in RESOURCES:
        module = import_module(f"matchmaker.api.{name}")
        api.register_blueprint(module.blp)
    from matchmaker.api.docs import bp as docs_bp

    app.register_blueprint(docs_bp)
