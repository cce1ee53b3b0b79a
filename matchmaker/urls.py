"""Absolute links for mail: they must point where people can reach the app."""

from __future__ import annotations

from flask import current_app, request


def public_base_url() -> str:
    """MATCHMAKER_BASE_URL when set (behind a proxy the request's own address is internal),
    else the address this request came to."""
    return str(current_app.config["BASE_URL"] or request.url_root)
