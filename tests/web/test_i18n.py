"""Translations: complete catalogues, compiled files up to date, pages in English and Portuguese."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import REPO

TRANSLATIONS = REPO / "matchmaker" / "translations"
LANGUAGES = ("en", "pt")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def load_po(language: str) -> Catalog:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def _frozen(value: object) -> object:
    """Plural messages come as lists or tuples (singular, plural): make them hashable."""
    return tuple(value) if isinstance(value, list | tuple) else value


def messages(catalog: Catalog) -> dict[object, object]:
    return {_frozen(m.id): _frozen(m.string) for m in catalog if m.id}


def singular_ids(catalog: Catalog) -> set[object]:
    """Message ids as the extractor reports them: a plural by its singular."""
    return {key[0] if isinstance(key, tuple) else key for key in messages(catalog)}


def source_messages() -> set[str]:
    """Every message the sources mark for translation, as scripts/i18n extracts them."""
    with open(REPO / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_clean(language: str) -> None:
    catalog = load_po(language)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == [] and fuzzy == []
    problems = [(m.id, errors) for m, errors in catalog.check()]
    assert problems == []  # e.g. a %(name)s placeholder missing from a translation


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_source_message_is_translated(language: str) -> None:
    missing = source_messages() - singular_ids(load_po(language))
    assert sorted(missing) == [], "run scripts/i18n and translate the new messages"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language: str, tmp_path: Path) -> None:
    fresh = tmp_path / "messages.mo"
    with open(fresh, "wb") as handle:
        write_mo(handle, load_po(language))
    with open(fresh, "rb") as handle:
        expected = messages(read_mo(handle))
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        committed = messages(read_mo(handle))
    assert committed == expected, "run scripts/i18n compile"


def test_login_page_in_english_and_portuguese(client: FlaskClient) -> None:
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Password" in english and "Log in" in english
    portuguese = client.get("/login", headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    page = portuguese.get_data(as_text=True)
    assert '<html lang="pt">' in page and "Senha" in page
    assert "Contraseña" in client.get("/login").get_data(as_text=True)


def test_form_errors_are_translated(client: FlaskClient) -> None:
    from tests.web.helpers import csrf_token

    token = csrf_token(client, "/login?lang=en")
    data = {"email": "x@example.org", "password": "wrong", "csrf_token": token}
    page = client.post("/login?lang=pt", data=data).get_data(as_text=True)
    assert "E-mail ou senha incorretos." in page


def test_counts_agree_with_their_nouns(app: Flask, client: FlaskClient, tasks: object) -> None:
    from tests.web.participant_world import add_meeting, add_request, login_as, make_people

    people = make_people(app)
    add_request(app, people.partner, people.official)
    add_meeting(app, people)
    login_as(app, client, people.official)
    page = client.get("/me/").get_data(as_text=True)
    assert "1 solicitud espera tu respuesta" in page and "1 reunión confirmada" in page
    assert "1 esperan" not in page and "1 reuniones" not in page
    add_request(app, people.other_partner, people.official)
    assert "2 solicitudes esperan tu respuesta" in client.get("/me/").get_data(as_text=True)


def test_participants_read_the_zone_as_people_say_it(app: Flask, client: FlaskClient) -> None:
    from tests.web.participant_world import add_meeting, login_as, make_people

    people = make_people(app, time_zone="America/Mexico_City")
    add_meeting(app, people)
    login_as(app, client, people.official)
    pages = ["/me/", "/me/agenda", "/me/agenda/print", "/me/profile", "/me/requests",
             f"/me/requests/new/{people.partner}"]  # fmt: skip
    for path in pages:
        assert "America/Mexico_City" not in client.get(path).get_data(as_text=True), path
    assert "Horario: hora del centro de México" in client.get("/me/agenda").get_data(as_text=True)
    profile = client.get("/me/profile").get_data(as_text=True)
    assert "estarás en el evento (hora del centro de México)" in profile


def test_a_zone_without_a_local_name_takes_cldrs(app: Flask) -> None:
    from matchmaker.dates import zone_name
    from matchmaker.models import Event

    with app.test_request_context("/"):
        tokyo = Event(name="x", time_zone="Asia/Tokyo")
        assert zone_name(tokyo, "es") == "hora de Japón"
        assert zone_name(tokyo, "en") == "Japan Time"
        mexico = Event(name="x", time_zone="America/Mexico_City")
        assert zone_name(mexico, "es") == "hora del centro de México"


def test_the_kept_catalogue_follows_the_locale_in_force(app: Flask) -> None:
    """The catalogue is looked up once per request (matchmaker.translation_lookup), yet a
    mail written in the reader's language within the same request gets that language, in
    Python and in templates, and the page's language comes back afterwards."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    page = "{{ _('Salir') }}|{{ ngettext('%(num)d reunión confirmada', '%(num)d reuniones confirmadas', 2) }}"
    with app.test_request_context("/?lang=en"):
        assert gettext("Salir") == "Log out"
        assert render_template_string(page) == "Log out|2 confirmed meetings"
        with force_locale("pt"):
            assert gettext("Salir") == "Sair"
            assert render_template_string(page) == "Sair|2 reuniões confirmadas"
        with force_locale("es"):
            assert render_template_string(page) == "Salir|2 reuniones confirmadas"
        assert gettext("Salir") == "Log out"
        assert render_template_string(page) == "Log out|2 confirmed meetings"


def test_template_translations_escape_what_they_are_given(app: Flask) -> None:
    """Like Jinja's own gettext: the text is trusted, the values put into it are escaped."""
    from flask import render_template_string

    page = "{{ _('Seleccionar a %(name)s', name=who) }}"
    with app.test_request_context("/?lang=es"):
        assert render_template_string(page, who="<b>Ana</b>") == (
            "Seleccionar a &lt;b&gt;Ana&lt;/b&gt;"
        )
