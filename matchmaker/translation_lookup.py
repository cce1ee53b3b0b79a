"""The current language's catalogue, found once per request instead of once per string.

flask-babel looks the catalogue up on every ``gettext``: three trips through Flask's ``g``
proxy, the locale's name rebuilt, a dict lookup — about 15 µs, where the translation itself
takes 0.3 µs. A long page translates hundreds of strings. Here the catalogue is kept on
flask-babel's own per-request context next to the locale it belongs to, and reused while that
same locale object is current: ``force_locale`` (mails in the reader's language) and
``refresh`` put another locale object there, so they are never served the wrong catalogue.
"""

from __future__ import annotations

from types import SimpleNamespace

import flask_babel
from babel.support import NullTranslations
from flask import Flask
from flask.globals import _cv_app
from flask_babel import Babel, Domain, get_locale
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


def _babel_context() -> SimpleNamespace | None:
    """flask-babel's per-request namespace (``g._flask_babel``), without the ``g`` proxy."""
    app_context = _cv_app.get(None)
    return None if app_context is None else getattr(app_context.g, "_flask_babel", None)


def _babel_context_made() -> SimpleNamespace | None:
    """flask-babel's ``_get_current_context`` (the namespace, made on first use; None outside
    an app context), reaching ``g`` once instead of through three proxy lookups: every
    ``gettext``, ``get_locale`` and date format asks for it, often several times."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    try:
        return app_context.g._flask_babel  # type: ignore[no-any-return]
    except AttributeError:
        app_context.g._flask_babel = SimpleNamespace()
        return app_context.g._flask_babel  # type: ignore[no-any-return]


class KeptCatalogueDomain(Domain):
    """flask-babel's domain, remembering the catalogue of the locale in force."""

    def get_translations(self) -> NullTranslations:
        context = _babel_context()
        kept = getattr(context, "matchmaker_catalogue", None)
        if kept is not None and kept[0] is getattr(context, "babel_locale", None):
            return kept[1]  # type: ignore[no-any-return]
        translations = super().get_translations()
        context = _babel_context()  # flask-babel creates it on first use
        if context is not None:
            context.matchmaker_catalogue = (get_locale(), translations)
        return translations


def install(app: Flask, babel: Babel) -> None:
    """Make ``babel`` (already initialised on ``app``) and ``app``'s templates look the
    catalogue up through :class:`KeptCatalogueDomain`.

    The templates' ``_`` and ``ngettext`` become plain functions with the semantics of
    Jinja's "newstyle" gettext (escaped when the template autoescapes, ``%`` formatting with
    the keyword arguments, ``num`` given to ``ngettext``'s text): Jinja's own pass through
    three nested ``Context.call`` per string, which cost more than the lookup."""
    if callable(getattr(flask_babel, "_get_current_context", None)):  # flask-babel 4's name
        flask_babel._get_current_context = _babel_context_made
    domain = KeptCatalogueDomain(domain=app.config.get("BABEL_DEFAULT_DOMAIN", "messages"))
    babel.domain_instance = domain  # replaces flask-babel's cached_property value
    catalogue = domain.get_translations

    @pass_eval_context
    def template_gettext(context: EvalContext, string: str, **variables: object) -> str:
        text = catalogue().ugettext(string)
        return (Markup(text) if context.autoescape else text) % variables

    @pass_eval_context
    def template_ngettext(
        context: EvalContext, singular: str, plural: str, num: int, **variables: object
    ) -> str:
        variables.setdefault("num", num)
        text = catalogue().ungettext(singular, plural, num)
        return (Markup(text) if context.autoescape else text) % variables

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalogue().ugettext(s),
        ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
