"""What every response says to the browser about itself: what it may load, who may frame it,
whether it may be cached, and how the session cookie travels."""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

#: Scripts and styles come from our own /static only (no inline script). Inline style stays
#: allowed because the dashboard's charts are SVG from matplotlib, which styles with attributes.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Invitation links carry a token in the path: never hand it to another site.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}
#: A year, as browsers' preload lists expect; only sent when the public address is https.
HSTS = "max-age=31536000"
#: Logging out drops what the browser kept of the site: the service worker's offline copy
#: of the agenda ("storage" covers Cache Storage and the worker itself), so a shared phone
#: keeps nobody's agenda. static/app.js does the same for browsers that ignore this header.
CLEAR_ON_LOGOUT = '"cache", "storage"'


def register_security_headers(app: Flask) -> None:
    app.after_request(_secure_response)


def _secure_response(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages, agendas, PDFs and calendar files are personal: no shared or disk cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Vary", "Cookie")
    if request.endpoint == "auth.logout":
        response.headers["Clear-Site-Data"] = CLEAR_ON_LOGOUT
    if str(current_app.config.get("BASE_URL") or "").startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response
