"""Logging in and out in a real browser, in Spanish first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LiveServer, create_account, log_in, log_out, screenshot

pytestmark = pytest.mark.browser


def test_login_page_speaks_spanish(page: Any) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    expect(page.get_by_label("Correo electrónico")).to_be_visible()
    expect(page.get_by_label("Contraseña", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Entrar")).to_be_visible()
    screenshot(page, "login-es")


def test_wrong_password_is_refused(page: Any, live_server: LiveServer) -> None:
    email = create_account(live_server, "organizadora@expo.example.org", "organiser")
    log_in(page, email, "not-the-password")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("Correo o contraseña incorrectos.")).to_be_visible()
    expect(page.get_by_label("Contraseña", exact=True)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "login-error-es")


def test_organiser_logs_in_and_out(page: Any, live_server: LiveServer) -> None:
    email = create_account(live_server, "organizadora@expo.example.org", "organiser")
    page.goto("/organiser/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    log_in(page, email)
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_text(email)).to_be_visible()
    page.get_by_role("link", name="Organización", exact=True).click()
    expect(page).to_have_url(live_server.url + "/organiser/")
    screenshot(page, "organiser-home-es")
    log_out(page)
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("button", name="Salir")).to_have_count(0)
    page.goto("/organiser/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_an_english_browser_gets_english(new_page: Any) -> None:
    page = new_page(locale="en-US")
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_label("Email")).to_be_visible()


def test_language_switcher(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))
    screenshot(page, "login-en")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
