"""Organisers managing participants one by one: the list, a participant's page (edit, with the
import's rules), add, remove and what goes with them, the file template, the pair pickers."""

from __future__ import annotations

import io
import string
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matchmaker.domain.importing import ALL_COLUMNS
from matchmaker.extensions import db
from matchmaker.models import AuditEntry, MatchSuggestion, Meeting, Participant, User
from matchmaker.services import participant_admin
from tests.web.helpers import csrf_token, login
from tests.web.organiser_world import PASSWORD, audit_actions, login_organiser, post, seed
from tests.web.task_recorder import Tasks

#: A participant's form, filled in as the import would accept it.
NEW = {
    "external_id": "p-new", "kind": "partner", "name": "Lucía Fernández",
    "organisation": "Movilidad Limpia SA", "organisation_type": "company",
    "role_title": "Directora", "email": "lucia@example.org", "country": "MX", "city": "Puebla",
    "languages": "es;en", "themes": ["urban-mobility"], "description": "Autobuses eléctricos.",
    "unavailable": "", "max_meetings": "",
}  # fmt: skip


def _row(app: Flask, participant_id: int) -> dict[str, str] | None:
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        row = participant_admin.columns_of(participant) if participant else None
        db.session.remove()
    return row


def _form_of(app: Flask, participant_id: int) -> dict[str, Any]:
    row = _row(app, participant_id)
    assert row is not None
    values: dict[str, Any] = {("external_id" if k == "id" else k): v for k, v in row.items()}
    values["themes"] = [t for t in row["themes"].split(";") if t]
    return values


def _count(app: Flask, model: type, *where: Any) -> int:
    with app.app_context():
        query = db.select(db.func.count()).select_from(model).where(*where)
        return int(db.session.execute(query).scalar_one())


@pytest.fixture
def data(app: Flask, client: FlaskClient) -> Any:
    seeded = seed(app)
    login_organiser(client)
    return seeded


def test_the_list_searches_filters_and_pages(
    app: Flask, client: FlaskClient, data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = client.get("/organiser/participants").get_data(as_text=True)
    assert "5 participantes" in page
    assert f'/organiser/participants/{data.governments[0]}"' in page  # each row opens its page
    with app.app_context():
        first = db.session.get_one(Participant, data.partners[1])
        email, name = first.email, first.name
    found = client.get("/organiser/participants", query_string={"q": email.upper()})
    assert "1 participante" in found.get_data(as_text=True) and name in found.get_data(as_text=True)
    assert "3 participantes" in client.get("/organiser/participants?kind=partner").text
    # Themes and languages are lists: an item of the list, not a part of another one.
    assert "2 participantes" in client.get("/organiser/participants?theme=public-services").text
    assert "2 participantes" in client.get("/organiser/participants?language=en").text
    assert "0 participantes" in client.get("/organiser/participants?country=BR").text
    assert "5 participantes" in client.get("/organiser/participants?kind=nobody&theme=x").text
    monkeypatch.setattr("matchmaker.organiser.views_participants.PAGE_SIZE", 2)
    last = client.get("/organiser/participants?page=99").get_data(as_text=True)
    assert "página 3 de 3" in last and "3 / 3" in last


def test_an_edit_the_import_would_refuse_is_refused_at_its_field(
    app: Flask, client: FlaskClient, data: Any
) -> None:
    target = data.partners[0]
    before = _row(app, target)
    path = f"/organiser/participants/{target}"
    for change, message in [
        ({"country": "XX"}, "Código de país desconocido «XX»"),
        ({"languages": "es;klingon"}, "Código de idioma desconocido «klingon»"),
        ({"organisation_type": "municipality"}, "Tipo de organización desconocido"),
        ({"email": "no-es-un-correo"}, "Dirección de correo no válida"),
        ({"name": ""}, "Falta el valor."),
        ({"kind": "government", "organisation_type": "state"}, "su tipo no puede cambiar"),
        ({"max_meetings": "mil"}, "no es un número entero"),
        ({"unavailable": "999"}, "no existen"),
        ({"name": "Ana\nLópez"}, "carácter de control"),
    ]:
        response = post(client, path, _form_of(app, target) | change, path)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, change
        assert message in page and 'aria-invalid="true"' in page, change
        assert _row(app, target) == before, change


def test_an_edit_is_saved_logged_and_asks_for_new_suggestions(
    app: Flask, client: FlaskClient, data: Any, tasks: Tasks
) -> None:
    target = data.governments[0]
    path = f"/organiser/participants/{target}"
    form = _form_of(app, target) | {"themes": ["public-services", "urban-mobility"],
                                    "external_id": "g-renamed", "max_meetings": "4"}  # fmt: skip
    response = post(client, path, form, path)
    assert response.status_code == 302
    row = _row(app, target)
    assert row is not None
    assert (row["id"], row["themes"], row["max_meetings"]) == (
        "g-renamed",
        "public-services;urban-mobility",
        "4",
    )
    assert "participant.updated" in audit_actions(app)
    assert tasks["recompute_suggestions"].committed == [True]
    # Saving the same values again changes nothing and asks for nothing.
    again = post(client, path, _form_of(app, target), path)
    assert again.status_code == 302 and len(tasks["recompute_suggestions"].calls) == 1


def test_add_a_participant_and_refuse_a_taken_id_or_email(
    app: Flask, client: FlaskClient, data: Any
) -> None:
    path = "/organiser/participants/new"
    assert client.get(path).status_code == 200
    response = post(client, path, NEW, path)
    assert response.status_code == 302
    assert _count(app, Participant, Participant.external_id == "p-new") == 1
    assert "participant.created" in audit_actions(app)
    with app.app_context():
        taken = db.session.get_one(Participant, data.governments[0])
        taken_id, taken_email = taken.external_id, taken.email
    for change, message in [
        ({"external_id": taken_id}, f"El id «{taken_id}» ya es de otro participante"),
        ({"external_id": "p-other", "email": taken_email.upper()}, "ya pertenece al participante"),
    ]:
        refused = post(client, path, NEW | change, path)
        assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert _count(app, Participant) == 6


def test_a_race_for_an_id_is_a_message_not_an_error(
    app: Flask, client: FlaskClient, data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two organisers adding the same id at once: the unique constraint refuses the loser."""
    with app.app_context():
        taken_id = db.session.get_one(Participant, data.partners[0]).external_id
    # As if the other organiser's row were committed after our check.
    monkeypatch.setattr(participant_admin, "_event_errors", lambda *args: [])
    path = "/organiser/participants/new"
    response = post(client, path, NEW | {"external_id": taken_id}, path)
    assert response.status_code == 400
    assert "Otra persona acaba de guardar ese id" in response.get_data(as_text=True)
    assert _count(app, Participant) == 5


def _publish_meetings(app: Flask, data: Any) -> None:
    """Official 1 meets every partner (published), official 2 the first one (a draft)."""
    with app.app_context():
        pairs = [(data.governments[0], partner, "published") for partner in data.partners]
        pairs.append((data.governments[1], data.partners[0], "draft"))
        for slot, (government, partner, status) in enumerate(pairs):
            db.session.add(Meeting(event_id=data.event_id, government_id=government,
                                   partner_id=partner, slot_index=slot, table_number=0,
                                   status=status))  # fmt: skip
        db.session.commit()


def test_removing_cancels_published_meetings_and_takes_everything_with_them(
    app: Flask, client: FlaskClient, data: Any, tasks: Tasks
) -> None:
    """Without a mail server nobody can be told: one confirmation cancels and removes."""
    _publish_meetings(app, data)
    target = data.governments[0]  # has an account, suggestions and published meetings
    theirs = Meeting.government_id == target
    published = _count(app, Meeting, theirs)
    assert published > 0
    path = f"/organiser/participants/{target}/remove"
    page = client.get(path).get_data(as_text=True)
    assert "reuniones publicadas: se cancelan" in page or "reunión publicada: se cancela" in page
    assert "official@example.org" in page and "3 sugerencias" in page
    response = post(client, path, {"reason": "Ya no asiste"}, path)
    assert response.status_code == 302
    assert _count(app, Participant, Participant.id == target) == 0
    assert _count(app, Meeting, theirs) == 0
    assert _count(app, MatchSuggestion, MatchSuggestion.government_id == target) == 0
    assert _count(app, User, User.email == "official@example.org") == 0
    actions = audit_actions(app)
    assert actions.count("meeting.cancelled") == published and "participant.removed" in actions
    with app.app_context():
        entry = db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == "participant.removed")
        ).scalar_one()
        assert entry.details["accounts"] == ["official@example.org"]
    assert client.get("/organiser/audit").status_code == 200


def test_with_mail_the_other_side_is_told_before_the_removal(
    app: Flask, client: FlaskClient, data: Any, tasks: Tasks
) -> None:
    app.config["SMTP_URL"] = "smtp://mail.test:25"
    _publish_meetings(app, data)
    target = data.governments[0]
    path = f"/organiser/participants/{target}/remove"
    first = post(client, path, {}, path)
    assert first.status_code == 302 and first.headers["Location"].endswith(path)
    assert _count(app, Participant, Participant.id == target) == 1  # not yet
    assert set(tasks["send_cancellation_notices"].committed) == {True}  # after the commit
    assert _count(app, Meeting, Meeting.government_id == target, Meeting.status == "published") == 0
    waiting = client.get(path).get_data(as_text=True)
    assert "si eliminas ahora" in waiting
    # Not confirmed while notices are due: nothing happens.
    post(client, path, {}, path)
    assert _count(app, Participant, Participant.id == target) == 1
    post(client, path, {"anyway": "1"}, path)
    assert _count(app, Participant, Participant.id == target) == 0


def test_the_template_is_the_import_header_and_imports_back(
    app: Flask, client: FlaskClient, data: Any
) -> None:
    response = client.get("/organiser/participants/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.data
    assert body.startswith("\ufeff".encode())  # Excel reads UTF-8 with a BOM
    assert body.decode("utf-8-sig").splitlines() == [",".join(ALL_COLUMNS)]
    row = ("p-tpl,partner,José Núñez,Aguas Claras,company,CEO,jose@example.org,MX,Puebla,"
           "es,public-services,Agua potable.,,\r\n")  # fmt: skip
    filled = body + row.encode()
    path = "/organiser/participants/upload"
    token = csrf_token(client, path)
    upload = client.post(path, data={"csrf_token": token,
                                     "file": (io.BytesIO(filled), "plantilla.csv")})  # fmt: skip
    assert upload.status_code == 302
    with app.app_context():
        added = db.session.execute(
            db.select(Participant).where(Participant.external_id == "p-tpl")
        ).scalar_one()
        assert added.name == "José Núñez"  # the BOM is not part of the first column's name


def test_the_picker_search_answers_organisers_only_and_few(
    app: Flask, client: FlaskClient, data: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(participant_admin, "SEARCH_LIMIT", 2)
    found = client.get("/organiser/participants/search?kind=partner&q=").get_json()["results"]
    assert len(found) == 2 and all(item["id"] in data.partners for item in found)
    with app.app_context():
        person = db.session.get_one(Participant, data.governments[1])
        label, external_id = participant_admin.picker_label(person), person.external_id
    one = client.get("/organiser/participants/search", query_string={
        "kind": "government", "q": external_id.upper()}).get_json()["results"]  # fmt: skip
    assert one == [{"id": data.governments[1], "label": label}]
    assert client.get("/organiser/participants/search?kind=partner&q=zzz").json == {"results": []}
    client.post("/logout", data={"csrf_token": csrf_token(client, "/organiser/")})
    login(client, "official@example.org", PASSWORD)
    assert client.get("/organiser/participants/search?q=a").status_code == 403


def test_a_pair_is_picked_by_typed_text_without_javascript(
    app: Flask, client: FlaskClient, data: Any
) -> None:
    with app.app_context():
        government = db.session.get_one(Participant, data.governments[1])
        partner = db.session.get_one(Participant, data.partners[2])
        gov_email, partner_id = government.email, partner.external_id
    path = "/organiser/matches/block"
    nobody = post(client, path, {"government_query": "Nadie Así", "partner_query": partner_id,
                                 "reason": "x"}, path)  # fmt: skip
    assert nobody.status_code == 400
    assert "Ningún funcionario/a coincide con «Nadie Así»" in nobody.get_data(as_text=True)
    several = post(client, path, {"government_query": gov_email, "partner_query": "Person",
                                  "reason": "x"}, path)  # fmt: skip
    assert several.status_code == 400 and "Coinciden varias personas" in several.text
    done = post(client, path, {"government_query": gov_email, "partner_query": partner_id,
                               "reason": "Conflicto"}, path)  # fmt: skip
    assert done.status_code == 302
    assert "pair.blocked" in audit_actions(app)


EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FIELDS = [k for k in NEW if k != "themes"]
ANYTHING = st.one_of(
    st.text(max_size=30),
    st.text(string.printable, max_size=300),
    st.sampled_from(
        [
            "",
            " ",
            "government",
            "partner",
            "MX",
            "es;en",
            "0;1",
            "1001",
            "\x00",
            "\u202e",
            "=cmd|'/C calc'!A0",
            "x" * 6000,
            "é" * 201,
        ]
    ),
)
EDITS = st.dictionaries(st.sampled_from(FIELDS), ANYTHING, max_size=4)


@EXAMPLES
@given(change=EDITS, themes=st.lists(st.text(max_size=20), max_size=3))
@example(change={"email": "\x00@example.org"}, themes=[])
@example(change={"external_id": "g-0001", "unavailable": "99999999999999999999999"}, themes=[])
def test_the_edit_form_never_fails_whatever_it_is_sent(
    app: Flask, client: FlaskClient, change: dict[str, str], themes: list[str]
) -> None:
    if not getattr(client, "seeded", None):  # function-scoped fixtures live across examples
        client.seeded = seed(app)  # type: ignore[attr-defined]
        login_organiser(client)
    target = client.seeded.partners[0]  # type: ignore[attr-defined]
    before = _row(app, target)
    path = f"/organiser/participants/{target}"
    form = _form_of(app, target) | change | ({"themes": themes} if themes else {})
    response = post(client, path, form, path)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:  # a reason at a field, and nothing changed
        assert '<p class="error" id="' in response.get_data(as_text=True)
        assert _row(app, target) == before
    assert client.get(path).status_code == 200
