"""The installable, offline-capable participant agenda: the web app manifest and the service
worker script (static/sw.js).

Both are public and hold nothing personal: the manifest names the app, the worker only keeps
what the logged-in participant's own browser fetched (see static/sw.js). The worker is served
from the site's root, not /static, so its default scope could cover the whole site; the
``Service-Worker-Allowed`` header and the registration (static/app.js) narrow it to the
participants' area, /me/, the only pages it keeps.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, url_for
from flask_babel import gettext as _

from matchmaker.dates import reader_locale

bp = Blueprint("offline", __name__)

#: The accent colour of static/app.css: the phone's title bar matches the page.
THEME_COLOUR = "#0b6e4f"
ICON_SIZES = (192, 512)


@bp.route("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: installing the app opens one's agenda, full screen."""
    body = {
        "name": _("matchmaker: mi agenda"),
        "short_name": _("Agenda"),
        "description": _("Tus reuniones del congreso, también sin conexión."),
        "lang": reader_locale(),
        "start_url": url_for("participant.agenda"),
        "scope": url_for("main.home"),
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": url_for("static", filename=f"icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",  # the drawing keeps to the maskable safe zone
            }
            for size in ICON_SIZES
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")


@bp.route("/sw.js")
def service_worker() -> Response:
    """The service worker script, from the root so that it may control /me/."""
    # Read whole (a few kB), not streamed: nothing is left open if the answer goes unread.
    script = Path(current_app.static_folder or "static", "sw.js").read_bytes()
    return Response(
        script,
        mimetype="text/javascript",
        headers={"Service-Worker-Allowed": url_for("participant.index")},
    )
