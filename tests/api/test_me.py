"""One's own profile through the API (participants' tokens): what the profile page shows and
lets a participant change, and nothing more."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import Participant
from tests.api.api_world import ApiWorld, call
from tests.web.task_recorder import Tasks

PROBLEM = "application/problem+json"


def stored(app: Flask, participant_id: int) -> dict[str, Any]:
    with app.app_context():
        person = db.session.get_one(Participant, participant_id)
        return {name: getattr(person, name) for name in (
            "kind", "email", "external_id", "name", "themes", "description", "languages",
            "unavailable", "max_meetings")}  # fmt: skip


def etag_of(client: FlaskClient, secret: str) -> dict[str, str]:
    return {"If-Match": call(client, "GET", "/api/v1/me", secret).headers["ETag"]}


def test_a_participant_reads_their_own_profile(client: FlaskClient, world: ApiWorld) -> None:
    answer = call(client, "GET", "/api/v1/me", world.official)
    assert answer.status_code == 200
    assert answer.json["id"] == world.seed.governments[0] and answer.json["kind"] == "government"
    assert answer.json["email"] == answer.json["email"].lower()
    again = call(client, "GET", "/api/v1/me", world.official,
                 **{"If-None-Match": answer.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304
    partner = call(client, "GET", "/api/v1/me", world.partner).json
    assert partner["id"] == world.seed.partners[0]


def test_organisers_have_no_profile_here(app: Flask, client: FlaskClient, world: ApiWorld):
    before = stored(app, world.seed.governments[0])
    for method in ("GET", "PATCH"):
        answer = call(client, method, "/api/v1/me", world.organiser, json={"themes": []},
                      **{"If-Match": '"x"'})  # fmt: skip
        assert answer.status_code == 403 and answer.mimetype == PROBLEM
    assert call(client, "GET", "/api/v1/me", None).status_code == 401
    assert stored(app, world.seed.governments[0]) == before


def test_a_participant_changes_what_the_profile_page_lets_them(
    app: Flask, client: FlaskClient, world: ApiWorld, tasks: Tasks
) -> None:
    me = world.seed.governments[0]
    change = {"themes": ["urban-mobility", "public-services"], "languages": ["pt", "es"],
              "description": "  Transporte público eléctrico.  ", "unavailable": [11, 0],
              "max_meetings": 3}  # fmt: skip
    assert call(client, "PATCH", "/api/v1/me", world.official, json=change).status_code == 428
    stale = call(client, "PATCH", "/api/v1/me", world.official, json=change,
                 **{"If-Match": '"stale"'})  # fmt: skip
    assert stale.status_code == 412
    etag = etag_of(client, world.official)
    answer = call(client, "PATCH", "/api/v1/me", world.official, json=change, **etag)
    assert answer.status_code == 200, answer.json
    after = stored(app, me)
    assert after["themes"] == ["public-services", "urban-mobility"]  # the vocabulary's order
    assert after["languages"] == ["es", "pt"] and after["unavailable"] == [0, 11]
    assert after["description"] == "Transporte público eléctrico." and after["max_meetings"] == 3
    assert answer.json["themes"] == after["themes"] and answer.headers["ETag"] != etag["If-Match"]
    assert tasks["recompute_suggestions"].calls  # matching reads themes and languages
    # Fields not sent stay; null lifts the cap; the old ETag is stale now.
    assert call(client, "PATCH", "/api/v1/me", world.official, json={"max_meetings": None},
                **etag).status_code == 412  # fmt: skip
    lifted = call(client, "PATCH", "/api/v1/me", world.official, json={"max_meetings": None},
                  **{"If-Match": answer.headers["ETag"]})  # fmt: skip
    assert lifted.status_code == 200 and lifted.json["max_meetings"] is None
    assert stored(app, me) == after | {"max_meetings": None}


def test_nothing_else_can_be_changed(app: Flask, client: FlaskClient, world: ApiWorld) -> None:
    me = world.seed.governments[0]
    before = stored(app, me)
    refused = [
        ("#/kind", {"kind": "partner"}),
        ("#/email", {"email": "new@example.org"}),
        ("#/external_id", {"external_id": "g-new"}),
        ("#/name", {"name": "Otro"}),
        ("#/themes", {"themes": []}),
        ("#/themes/0", {"themes": ["flying-cars"]}),
        ("#/languages", {"languages": ["fr"]}),  # not offered: not one of theirs or es/en/pt
        ("#/description", {"description": "   "}),
        ("#/description", {"description": "Agua \udfff"}),  # no database stores it
        ("#/unavailable", {"unavailable": [12]}),  # the event has 12 slots, 0 to 11
        ("#/max_meetings", {"max_meetings": 201}),
    ]
    for pointer, change in refused:
        answer = call(client, "PATCH", "/api/v1/me", world.official, json=change,
                      **etag_of(client, world.official))  # fmt: skip
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, change
        assert [e["pointer"] for e in answer.json["errors"]] == [pointer], answer.json
    assert stored(app, me) == before


def test_languages_and_slots_beyond_the_page_are_kept(app: Flask, client: FlaskClient,
                                                      world: ApiWorld) -> None:  # fmt: skip
    """An import may give a language the page does not list, and slots a shortened event no
    longer has: the page offers and keeps them, and so does the API."""
    me = world.seed.governments[0]
    with app.app_context():
        db.session.execute(
            sa.update(Participant)
            .where(Participant.id == me)
            .values(languages=["es", "fr"], unavailable=[3, 40])
        )
        db.session.commit()  # fmt: skip
    answer = call(client, "PATCH", "/api/v1/me", world.official,
                  json={"languages": ["fr"], "unavailable": [5, 40]},
                  **etag_of(client, world.official))  # fmt: skip
    assert answer.status_code == 200, answer.json
    assert stored(app, me)["languages"] == ["fr"] and stored(app, me)["unavailable"] == [5, 40]


#: Strings a JSON body may hold, lone surrogates ("\ud800") and control characters too.
TEXT = st.text(max_size=30) | st.text(st.characters(categories=["Cs", "Cc", "Lu", "Nd", "Zs"]),
                                      max_size=8)  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
FIELDS = ["themes", "description", "languages", "unavailable", "max_meetings", "kind", "x"]


@settings(max_examples=30, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(body=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=3) | JSON)
def test_no_body_breaks_a_profile_change_and_a_refused_one_changes_nothing(
    app: Flask, world: ApiWorld, body: Any
) -> None:
    client = app.test_client()
    me = world.seed.governments[0]
    before = stored(app, me)
    answer = call(client, "PATCH", "/api/v1/me", world.official, json=body,
                  **etag_of(client, world.official))  # fmt: skip
    assert answer.status_code in (200, 422), answer.get_data(as_text=True)
    if answer.status_code == 422:
        assert answer.mimetype == PROBLEM and stored(app, me) == before
