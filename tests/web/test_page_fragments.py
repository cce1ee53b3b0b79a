"""Parts of organiser pages rendered once and kept (matchmaker.fragments) show every change
to the data they show, follow the reader's language, stay within their event, and never
hold one person's CSRF token or page for another."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from matchmaker.extensions import db
from matchmaker.models import Event, Meeting, Participant
from matchmaker.services.accounts import create_user
from tests.factories import create_event, create_participant
from tests.web.helpers import CSRF, login
from tests.web.organiser_world import PASSWORD, draft, login_organiser, seed

GRID = "/organiser/schedule/grid"


def grid(client: FlaskClient, path: str = GRID) -> str:
    reply = client.get(path)
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


def first_meeting(app: Flask, event_id: int) -> tuple[int, int]:
    """The id of the event's first meeting and of its official."""
    with app.app_context():
        query = db.select(Meeting).where(Meeting.event_id == event_id).order_by(Meeting.id)
        meeting = db.session.execute(query).scalars().first()
        assert meeting is not None
        return meeting.id, meeting.government_id


def test_the_grid_shows_a_meeting_called_off_after_it_was_kept(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    before = grid(client)
    assert before.count('class="meeting draft"') == 6 and "Cancelada" not in before
    # kept, and the same (but for the form's CSRF token, signed anew each second)
    assert CSRF.sub("", grid(client)) == CSRF.sub("", before)
    meeting_id, _official = first_meeting(app, data.event_id)
    with app.app_context():  # a bulk update, as a task would write it
        db.session.execute(
            db.update(Meeting).where(Meeting.id == meeting_id).values(status="cancelled")
        )
        db.session.commit()
    after = grid(client)
    assert after.count('class="meeting draft"') == 5
    assert '<small class="status-label">Cancelada</small>' in after


def test_the_grid_shows_a_participant_renamed_after_it_was_kept(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    _meeting, official_id = first_meeting(app, data.event_id)
    login_organiser(client)
    assert "Nombre Nuevo" not in grid(client)
    with app.app_context():
        db.session.get_one(Participant, official_id).name = "Nombre Nuevo"
        db.session.commit()
    assert '<span class="who">Nombre Nuevo</span>' in grid(client)


def test_the_grid_follows_the_readers_language(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)
    spanish = grid(client)
    assert "Mesa 1" in spanish and ">Mover<" in spanish
    english = grid(client, f"{GRID}?lang=en")
    assert "Table 1" in english and ">Move<" in english and "Mesa 1" not in english
    assert "Mesa 1" in grid(client, f"{GRID}?lang=es")


def test_the_grid_holds_each_readers_own_token_and_page(app: Flask, client: FlaskClient) -> None:
    """Two organisers: each one's grid has one action form with their own CSRF token and the
    page each asked for; the kept table holds neither, and its buttons submit that form."""
    data = seed(app)
    draft(app, data.event_id)
    with app.app_context():
        create_user("other-org@example.org", PASSWORD, "organiser")
        db.session.commit()
    login_organiser(client)
    other = app.test_client()
    assert login(other, "other-org@example.org", PASSWORD).status_code == 302
    mine = grid(client, f"{GRID}?day=1&empty=1")
    theirs = grid(other, f"{GRID}?day=1")
    my_tokens, their_tokens = set(CSRF.findall(mine)), set(CSRF.findall(theirs))
    assert len(my_tokens) == 1 and len(their_tokens) == 1 and my_tokens != their_tokens
    actions = re.compile(r'<form method="post" id="meeting-actions">(.*?)</form>', re.S)
    my_form, their_form = actions.search(mine), actions.search(theirs)
    assert my_form and their_form
    assert 'name="next" value="/organiser/schedule/grid?day=1&amp;empty=1"' in my_form.group(1)
    assert 'name="next" value="/organiser/schedule/grid?day=1"' in their_form.group(1)
    table = mine[mine.index('<table class="data schedule-grid">') :]
    assert "csrf_token" not in table and 'name="next"' not in table
    assert table.count('form="meeting-actions"') == 12  # move and cancel on each of 6 meetings
    # The token works: a meeting's cancel button, pressed by the other organiser.
    cancel = re.search(r'formaction="(/organiser/meetings/\d+/cancel)"', theirs)
    assert cancel
    reply = other.post(cancel.group(1), data={"csrf_token": their_tokens.pop(),
                                              "next": "/organiser/schedule/grid?day=1",
                                              "confirmed": "1"})  # fmt: skip
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith("/organiser/schedule/grid?day=1")
    assert "Cancelada" in grid(other)


def test_the_grid_of_one_event_never_shows_another_events(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    draft(app, data.event_id)
    with app.app_context():
        second = create_event(days=1, num_tables=2, name="Segundo")
        official = create_participant(second, "government", name="Solo Del Segundo")
        partner = create_participant(second, "partner", organisation="Socio Del Segundo")
        db.session.add(Meeting(event_id=second.id, government_id=official.id,
                               partner_id=partner.id, slot_index=0, table_number=0))  # fmt: skip
        db.session.commit()
        second_id = second.id
        first_name = db.session.get_one(Event, data.event_id).name
    login_organiser(client)
    first = grid(client, f"{GRID}?event={data.event_id}")
    other = grid(client, f"{GRID}?event={second_id}")
    assert "Solo Del Segundo" not in first and first.count('class="meeting draft"') == 6
    assert "Solo Del Segundo" in other and other.count('class="meeting draft"') == 1
    assert first_name != "Segundo"


PEOPLE = "/organiser/schedule/people"


def participant_list(client: FlaskClient, path: str = PEOPLE) -> str:
    """The page's list of participants to choose from."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'<select id="participant" name="participant">(.*?)</select>', page, re.S)
    assert found
    return found.group(1)


def test_the_list_of_participants_shows_renames_and_meetings_made_after_it_was_kept(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    meeting_id, official_id = first_meeting(app, data.event_id)
    login_organiser(client)
    before = participant_list(client)
    count = re.search(rf'<option value="{official_id}">[^<]*\((\d+)\)</option>', before)
    assert count and "selected" not in before
    with app.app_context():
        db.session.get_one(Participant, official_id).name = "Nombre Nuevo"
        db.session.get_one(Meeting, meeting_id).status = "cancelled"
        db.session.commit()
    after = participant_list(client, f"{PEOPLE}?participant={official_id}")
    option = re.search(rf'<option value="{official_id}" selected>([^<]*)</option>', after)
    assert option and option.group(1).startswith("Nombre Nuevo — ")
    assert option.group(1).endswith(f"({int(count.group(1)) - 1})")
    assert after.count(" selected>") == 1
    # The next reader, choosing nobody, gets no one chosen.
    assert "selected" not in participant_list(client)


def test_the_list_of_participants_chooses_nobody_of_another_event(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    with app.app_context():
        other = create_participant(create_event(days=1, name="Otro"), "government", name="Ajena")
        db.session.commit()
        other_id = other.id
    login_organiser(client)
    path = f"{PEOPLE}?event={data.event_id}&participant={other_id}"
    page = client.get(path).get_data(as_text=True)
    assert "Ajena" not in page
    assert "selected" not in participant_list(client, path)


def test_the_dashboard_counts_again_when_an_approval_changes(
    app: Flask, client: FlaskClient
) -> None:
    from matchmaker.models import MatchSuggestion

    data = seed(app)
    login_organiser(client)

    def approvals_total() -> str:
        page = client.get("/organiser/dashboard").get_data(as_text=True)
        found = re.search(r"<dt>Aprobaciones</dt><dd>(\d+)</dd>", page)
        assert found
        return found.group(1)

    assert approvals_total() == "0"
    with app.app_context():
        db.session.get_one(MatchSuggestion, data.suggestions[0]).status = "approved"
        db.session.commit()
    assert approvals_total() == "1"


def test_the_dashboards_lead_figures_follow_a_meeting_called_off(
    app: Flask, client: FlaskClient
) -> None:
    data = seed(app)
    draft(app, data.event_id)
    login_organiser(client)

    def lead(element_id: str) -> str:
        page = client.get("/organiser/dashboard").get_data(as_text=True)
        found = re.search(rf'id="{element_id}">(.*?)</dd>', page, re.S)
        assert found
        return found.group(1).replace("\xa0", " ")

    assert lead("pairs-booked") == "6 de 6 (100 %)" and lead("meetings-cancelled") == "0"
    meeting_id, _official = first_meeting(app, data.event_id)
    with app.app_context():
        db.session.get_one(Meeting, meeting_id).status = "cancelled"
        db.session.commit()
    assert lead("pairs-booked") == "5 de 6 (83 %)" and lead("meetings-cancelled") == "1"


def test_readers_asking_at_once_wait_for_one_rendering() -> None:
    """Twenty readers of a cold page: one renders, the others take its text."""
    import threading
    import time

    from matchmaker.fragments import FragmentCache

    cache, renders = FragmentCache(size=4), []

    def render() -> str:
        renders.append(1)
        time.sleep(0.05)
        return "<table></table>"

    results: list[str] = []
    readers = [
        threading.Thread(target=lambda: results.append(cache.get("grid", 1, render)))
        for _ in range(20)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert results == ["<table></table>"] * 20 and len(renders) == 1
    assert cache.get("grid", 2, lambda: "<table>new</table>") == "<table>new</table>"


MATCHES = "/organiser/matches"


def test_the_match_list_shows_decisions_recomputations_and_blocks_made_after_it_was_kept(
    app: Flask, client: FlaskClient
) -> None:
    from matchmaker.models import BlockedPair, MatchSuggestion
    from matchmaker.orm import utcnow
    from tests.web.organiser_world import post

    data = seed(app)
    login_organiser(client)
    first, second, third = data.suggestions[:3]
    before = grid(client, MATCHES)
    assert before.count('class="status-suggested"') == 6
    assert CSRF.sub("", grid(client, MATCHES)) == CSRF.sub("", before)  # kept
    # A decision through the page's own form: its boxes and buttons name that form.
    assert f'form="match-decisions" name="ids" value="{first}"' in before
    assert post(client, f"/organiser/matches/{first}/decide", {"decision": "approve"},
                token_from=MATCHES).status_code == 302  # fmt: skip
    assert grid(client, MATCHES).count('class="status-approved"') == 1
    with app.app_context():  # a recomputation's bulk write: a new score, stamped
        db.session.execute(
            db.update(MatchSuggestion)
            .where(MatchSuggestion.id == second)
            .values(score=12.5, computed_at=utcnow())
        )
        db.session.commit()
    assert '<td class="num">12.5' in grid(client, MATCHES)
    with app.app_context():
        pair = db.session.get_one(MatchSuggestion, third)
        db.session.add(BlockedPair(event_id=data.event_id, government_id=pair.government_id,
                                   partner_id=pair.partner_id))  # fmt: skip
        db.session.commit()
    assert grid(client, MATCHES).count('class="status-blocked"') == 1


def test_the_match_list_follows_the_filters_and_the_readers_language(
    app: Flask, client: FlaskClient
) -> None:
    seed(app)
    login_organiser(client)
    assert grid(client, MATCHES).count("<tr class=") == 6
    assert grid(client, f"{MATCHES}?min_score=65").count("<tr class=") == 3  # 90, 80, 70
    assert "Aprobar selección" in grid(client, MATCHES)
    assert "Approve selection" in grid(client, f"{MATCHES}?lang=en")


ACCOUNTS = "/organiser/accounts"


def test_the_accounts_list_shows_logins_and_deactivations_made_after_it_was_kept(
    app: Flask, client: FlaskClient
) -> None:
    from matchmaker.models import User
    from matchmaker.orm import utcnow
    from tests.web.organiser_world import post

    data = seed(app)
    with app.app_context():
        official = db.session.get_one(Participant, data.governments[0])
        user = create_user(official.email, PASSWORD, "official", participant=official)
        db.session.commit()
        user_id = user.id
    login_organiser(client)
    before = grid(client, ACCOUNTS)
    joined = before.count('<span class="badge ok">Activa</span>')
    assert CSRF.sub("", grid(client, ACCOUNTS)) == CSRF.sub("", before)  # kept
    with app.app_context():  # the official logs in, in another process
        db.session.execute(db.update(User).where(User.id == user_id).values(last_login_at=utcnow()))
        db.session.commit()
    assert grid(client, ACCOUNTS).count('<span class="badge ok">Activa</span>') == joined + 1
    # Deactivating through the page's own form: the list's buttons name it.
    assert f'form="account-actions" formaction="/organiser/accounts/{user_id}/active"' in (
        grid(client, ACCOUNTS)
    )
    assert post(client, f"/organiser/accounts/{user_id}/active", {"active": "0"},
                token_from=ACCOUNTS).status_code == 302  # fmt: skip
    assert '<span class="badge bad">Desactivada</span>' in grid(client, ACCOUNTS)


def test_the_dashboard_follows_the_readers_language(app: Flask, client: FlaskClient) -> None:
    seed(app)
    login_organiser(client)
    spanish = client.get("/organiser/dashboard").get_data(as_text=True)
    english = client.get("/organiser/dashboard?lang=en").get_data(as_text=True)
    assert "Lo esencial" in spanish and "Lo esencial" not in english
    assert "Lo esencial" in client.get("/organiser/dashboard?lang=es").get_data(as_text=True)
