"""Addresses that leave the app: absolute links in mail, and where redirects may go.

Both are security boundaries. A link mailed to someone must point at the address the
deployment configured, never at whatever Host header a request carried (else a forged
header sends a password link to someone else's server). A redirect taken from a form or a
query string must stay on this site (else it is an open redirect, a phishing aid).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import current_app, url_for


class PublicAddressUnknown(RuntimeError):
    """Links cannot be built: MATCHMAKER_BASE_URL is not set."""


def public_base_url() -> str:
    """The configured public address (MATCHMAKER_BASE_URL; `matchmaker serve` and `up` set it
    from the address they listen on). Raises PublicAddressUnknown when there is none."""
    base = str(current_app.config.get("BASE_URL") or "")
    if not base:
        raise PublicAddressUnknown("MATCHMAKER_BASE_URL is not set")
    return base if base.endswith("/") else base + "/"


def has_public_address() -> bool:
    return bool(current_app.config.get("BASE_URL"))


def can_mail_links() -> bool:
    """Mail with links goes out only with a mail server and a configured public address."""
    return bool(current_app.config.get("SMTP_URL")) and has_public_address()


def is_same_site_path(target: str | None) -> bool:
    """True for a path on this site such as ``/me/agenda?x=1``, and for nothing a browser
    could read as another site: ``//host``, ``/\\host``, ``/\\t/host`` (browsers drop tabs
    and newlines), ``https:host``, ``javascript:…`` or the same with encoded slashes."""
    if not target or not target.startswith("/"):
        return False
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in target) or "\\" in target:
        return False
    for form in (target, unquote(target)):
        if form.startswith("//") or form.startswith("/\\"):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
    return True


def safe_redirect_target(target: str | None, fallback: str = "main.home", prefix: str = "/") -> str:
    """``target`` when it is a same-site path under ``prefix``, else the ``fallback`` endpoint:
    the one check every redirect taken from a request goes through."""
    if is_same_site_path(target) and str(target).startswith(prefix):
        return str(target)
    return url_for(fallback)
