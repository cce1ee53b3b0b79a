"""Reviewing the match list: filters, approve/reject one, a selection, above a score, pairs by
hand, blocks, recompute, and the audit log."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import BlockedPair, MatchSuggestion
from tests.web.organiser_world import audit_actions, login_organiser, post, seed
from tests.web.task_recorder import Tasks


def statuses(app: Flask) -> dict[int, str]:
    with app.app_context():
        rows = db.session.execute(db.select(MatchSuggestion.id, MatchSuggestion.status)).all()
        return dict(rows)  # type: ignore[arg-type]


def test_list_filters_and_pages(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    page = client.get("/organiser/matches").get_data(as_text=True)
    assert "6 sugerencias" in page and "Temas en común: Movilidad urbana" in page
    assert "3 sugerencias" in client.get("/organiser/matches?min_score=65").get_data(as_text=True)
    themed = client.get("/organiser/matches?theme=public-services").get_data(as_text=True)
    assert "4 sugerencias" in themed  # official 2 (3 pairs) + partner 2 with official 1
    # Official 1 speaks es: shares a language with partners 1 and 3; official 2 (pt) with none.
    common = client.get("/organiser/matches?language=common").get_data(as_text=True)
    assert "2 sugerencias" in common
    interpreter = client.get("/organiser/matches?language=interpreter").get_data(as_text=True)
    assert "4 sugerencias" in interpreter and "Intérprete" in interpreter
    post(client, f"/organiser/matches/{data.suggestions[0]}/decide", {"decision": "approve"})
    approved = client.get("/organiser/matches?status=approved").get_data(as_text=True)
    assert "1 sugerencia<" in approved  # one, singular
    assert client.get("/organiser/matches?page=99&status=bogus").status_code == 200


def test_pagination(app: Flask, client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("matchmaker.services.match_review.PAGE_SIZE", 4)
    seed(app)
    login_organiser(client)
    first = client.get("/organiser/matches").get_data(as_text=True)
    assert "página 1 de 2" in first and 'rel="next"' in first
    second = client.get("/organiser/matches?page=2").get_data(as_text=True)
    assert "página 2 de 2" in second and second.count('name="ids"') == 2


def test_approve_and_reject_one(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    first, second = data.suggestions[:2]
    response = post(client, f"/organiser/matches/{first}/decide",
                    {"decision": "approve", "next": "/organiser/matches?status=suggested"})  # fmt: skip
    assert response.headers["Location"] == "/organiser/matches?status=suggested"
    post(client, f"/organiser/matches/{second}/decide", {"decision": "reject"})
    assert statuses(app)[first] == "approved" and statuses(app)[second] == "rejected"
    assert audit_actions(app) == ["suggestion.approved", "suggestion.rejected"]
    bad = post(client, f"/organiser/matches/{second}/decide", {"decision": "delete"})
    assert bad.status_code == 302 and statuses(app)[second] == "rejected"


def test_next_cannot_leave_the_area(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    response = post(client, f"/organiser/matches/{data.suggestions[0]}/decide",
                    {"decision": "approve", "next": "https://evil.example.com/"})  # fmt: skip
    assert response.headers["Location"] == "/organiser/matches"


def test_decide_a_selection(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    chosen = data.suggestions[1:4]
    response = post(client, "/organiser/matches/decide",
                    {"decision": "approve", "ids": [str(i) for i in chosen]})  # fmt: skip
    assert response.status_code == 302
    assert "3 sugerencias aprobadas." in client.get("/organiser/matches").get_data(as_text=True)
    now = statuses(app)
    assert [now[i] for i in chosen] == ["approved"] * 3
    assert now[data.suggestions[0]] == "suggested"
    post(client, "/organiser/matches/decide", {"decision": "reject", "ids": [str(chosen[0])]})
    assert statuses(app)[chosen[0]] == "rejected"
    empty = post(client, "/organiser/matches/decide", {"decision": "approve"})
    assert empty.status_code == 302
    assert "No has seleccionado" in client.get("/organiser/matches").get_data(as_text=True)


def test_approve_above_a_score(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    asked = post(client, "/organiser/matches/approve-above", {"min_score": "70"})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Se aprobarán 3 pares pendientes con puntuación de al menos 70." in page
    assert "Nadie recibe correo por ahora." in page  # no schedule is published yet
    assert set(statuses(app).values()) == {"suggested"}  # nothing changed before confirming
    post(client, "/organiser/matches/approve-above", {"min_score": "70", "confirmed": "1"})
    now = statuses(app)
    assert [now[i] for i in data.suggestions] == ["approved"] * 3 + ["suggested"] * 3
    assert "suggestions.approved-above" in audit_actions(app)
    post(client, "/organiser/matches/approve-above", {"min_score": "500"})
    assert "entre 0 y 100" in client.get("/organiser/matches").get_data(as_text=True)


def test_block_a_pair_then_it_cannot_be_approved(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    suggestion = data.suggestions[0]
    form = client.get(f"/organiser/matches/block?government={data.governments[0]}"
                      f"&partner={data.partners[0]}").get_data(as_text=True)  # fmt: skip
    assert f'name="government" type="hidden" value="{data.governments[0]}"' in form
    response = post(client, "/organiser/matches/block", {
        "government": data.governments[0], "partner": data.partners[0],
        "reason": "Conflicto de interés"}, "/organiser/matches/block")  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        block = db.session.execute(db.select(BlockedPair)).scalar_one()
        assert block.reason == "Conflicto de interés"
    assert statuses(app)[suggestion] == "rejected"
    page = client.get("/organiser/matches?status=blocked").get_data(as_text=True)
    assert "1 sugerencia<" in page and "Bloqueada" in page
    post(client, f"/organiser/matches/{suggestion}/decide", {"decision": "approve"})
    assert statuses(app)[suggestion] == "rejected"
    assert "está bloqueado" in client.get("/organiser/matches").get_data(as_text=True)
    post(client, "/organiser/matches/decide", {"decision": "approve", "ids": [str(suggestion)]})
    post(client, "/organiser/matches/approve-above", {"min_score": "0"})
    assert statuses(app)[suggestion] == "rejected"
    add = post(client, "/organiser/matches/add", {"government": data.governments[0],
               "partner": data.partners[0]}, "/organiser/matches/add")  # fmt: skip
    assert "Este par está bloqueado." in add.get_data(as_text=True)
    assert "pair.blocked" in audit_actions(app)
    with app.app_context():
        block_id = db.session.execute(db.select(BlockedPair.id)).scalar_one()
    post(client, f"/organiser/blocks/{block_id}/delete", {}, "/organiser/matches/block")
    with app.app_context():
        assert db.session.execute(db.select(BlockedPair)).first() is None
    assert "pair.unblocked" in audit_actions(app)


def test_add_a_pair_by_hand(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    with app.app_context():
        db.session.execute(
            db.delete(MatchSuggestion).where(MatchSuggestion.id == data.suggestions[4])
        )  # official 2 x partner 2
        db.session.commit()  # fmt: skip
    assert client.get("/organiser/matches/add").status_code == 200
    response = post(client, "/organiser/matches/add", {
        "government": data.governments[1], "partner": data.partners[1], "score": "65"},
        "/organiser/matches/add")  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        added = db.session.execute(db.select(MatchSuggestion).where(
            MatchSuggestion.government_id == data.governments[1],
            MatchSuggestion.partner_id == data.partners[1])).scalar_one()  # fmt: skip
        assert (added.source, added.status, added.score) == ("manual", "approved", 65.0)
    assert "suggestion.added" in audit_actions(app)
    page = client.get("/organiser/matches?status=approved").get_data(as_text=True)
    assert "Manual" in page and "Añadida a mano" in page
    wrong = post(
        client,
        "/organiser/matches/add",
        {"government": data.partners[0], "partner": data.partners[1]},
        "/organiser/matches/add",
    )
    assert wrong.status_code == 400 and "Elige un funcionario/a" in wrong.get_data(as_text=True)


def test_recompute_enqueues_after_commit(app: Flask, client: FlaskClient, tasks: Tasks) -> None:
    data = seed(app)
    login_organiser(client)
    response = post(client, "/organiser/matches/recompute", {"next": "/organiser/matches"})
    assert response.headers["Location"] == "/organiser/matches"
    assert tasks["recompute_suggestions"].calls == [(data.event_id,)]
    assert tasks["recompute_suggestions"].committed == [True]
    with app.app_context():
        from matchmaker.models import Event

        assert db.session.get_one(Event, data.event_id).suggestions_requested_at is not None
    assert "suggestions.recompute" in audit_actions(app)


def test_audit_log_lists_every_decision(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    post(client, f"/organiser/matches/{data.suggestions[0]}/decide", {"decision": "approve"})
    post(client, f"/organiser/matches/{data.suggestions[1]}/decide", {"decision": "reject"})
    page = client.get("/organiser/audit").get_data(as_text=True)
    assert "2 entradas" in page
    with app.app_context():
        first, second = (db.session.get_one(MatchSuggestion, data.suggestions[i]) for i in (0, 1))
        pairs = [f"{s.government.name} ↔ {s.partner.organisation}" for s in (first, second)]
    assert f"Aprobó el par {pairs[0]}." in page and f"Rechazó el par {pairs[1]}." in page
    assert "suggestion.approved" not in page and "matchsuggestion" not in page  # no codes
    assert "org@example.org" in page


def test_reasons_read_as_on_the_participants_pages(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    with app.app_context():
        suggestion = db.session.get_one(MatchSuggestion, data.suggestions[0])
        suggestion.reasons = [
            {"code": "language", "text": "common language: es", "data": {"languages": ["es"]}},
            {"code": "similar", "text": "similar need", "data": {
                "government_sentence": "Queremos reducir el tráfico.",
                "partner_sentence": "Semáforos inteligentes."}},
        ]  # fmt: skip
        db.session.commit()
    login_organiser(client)
    page = client.get("/organiser/matches").get_data(as_text=True)
    assert "Idioma común: Español" in page and "Necesidad y oferta parecidas" in page
    assert "<q>Queremos reducir el tráfico.</q>" in page
    assert "· Empresa</small>" in page  # the organisation type's label, not its code
