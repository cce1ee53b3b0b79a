"""Row errors of a rejected participants file, in the reader's language (the CLI stays English)."""

from __future__ import annotations

import string
from io import BytesIO

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from werkzeug.test import TestResponse

from matchmaker.domain.import_errors import MESSAGES as ENGLISH
from matchmaker.domain.import_errors import RowError
from matchmaker.organiser.import_errors import MESSAGES, describe
from tests.web.helpers import csrf_token
from tests.web.organiser_world import HEADER, login_organiser, seed

BAD = HEADER + (
    "g-100,government,Ana Pérez,Ayuntamiento,municipality,Directora,ana@example.org,MX,Cholula,es,smart-parking,Movilidad\n"
    f"p-100,partner,{'B' * 201},Transit Co,company,CEO,bo@example.org,MX,Puebla,en,urban-mobility,Bus\n"
    'p-101,partner,"Bo\nLi",Transit Co,company,CEO,li@example.org,MX,Puebla,en,urban-mobility,Bus\n'
)

EXPECTED = {
    "es": ["Tema desconocido «smart-parking» (se permiten: urban-planning,",
           "201 caracteres: esta columna admite como máximo 200.",
           "Contiene un salto de línea o un carácter de control invisible (U+000A)"],
    "en": ["Unknown theme “smart-parking” (allowed: urban-planning,",
           "201 characters: this column holds at most 200.",
           "Contains a line break or an invisible control character (U+000A)"],
    "pt": ["Tema desconhecido «smart-parking» (permitidos: urban-planning,",
           "201 caracteres: esta coluna aceita no máximo 200.",
           "Contém uma quebra de linha ou um caractere de controle invisível (U+000A)"],
}  # fmt: skip


def upload(client: FlaskClient, content: str, language: str) -> TestResponse:
    path = f"/organiser/participants/upload?lang={language}"
    data = {"csrf_token": csrf_token(client, path),
            "file": (BytesIO(content.encode()), "people.csv")}  # fmt: skip
    return client.post(path, data=data, content_type="multipart/form-data")


@pytest.mark.usefixtures("tasks")
@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_rejected_upload_names_each_reason_in_the_readers_language(
    app: Flask, client: FlaskClient, language: str
) -> None:
    seed(app)
    login_organiser(client)
    response = upload(client, BAD, language)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<td>2</td><td>themes</td>" in page and "<td>3</td><td>name</td>" in page
    for reason in EXPECTED[language]:
        assert reason in page, reason
    if language != "en":
        assert "unknown theme" not in page and "characters, more than" not in page


def test_every_error_code_has_words_in_every_language(app: Flask) -> None:
    assert set(MESSAGES) == set(ENGLISH)
    for code, english in ENGLISH.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(english) if name}
        error = RowError(7, "name", code, dict.fromkeys(fields, "VALUE"))
        for language in ("es", "en", "pt"):
            with app.test_request_context(), force_locale(language):
                words = describe(error)
            assert words and "%(" not in words, (code, language)
            assert "VALUE" in words or "value" not in fields, (code, language)
