"""Event settings fed anything: never a 500; bad values are shown next to their field and
change nothing; whatever is saved gives a calendar every page can show."""

from __future__ import annotations

import hashlib
from datetime import date, time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matchmaker.extensions import db
from matchmaker.models import Event
from tests.web.helpers import csrf_token
from tests.web.organiser_world import SETTINGS, login_organiser, seed

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _event_row(app: Flask, event_id: int) -> str:
    """Every stored column of the event but its bookkeeping times."""
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        columns = {
            c.name: getattr(event, c.name)
            for c in Event.__table__.columns
            if c.name not in ("updated_at", "created_at")
        }
        db.session.remove()
    return hashlib.sha256(repr(sorted(columns.items())).encode()).hexdigest()


def _post(client: FlaskClient, values: dict[str, str]) -> Any:
    token = csrf_token(client, "/organiser/event")
    return client.post("/organiser/event", data={**values, "csrf_token": token})


def _assert_refused_in_place(app: Flask, event_id: int, before: str, response: Any) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'aria-invalid="true"' in page, "a refusal names its field"
    assert _event_row(app, event_id) == before, "a refused form changed the event"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # The last slot of 9999-12-31 ends past the largest date Python knows.
        ({"days": "9999-12-31", "day_start": "20:00", "day_end": "23:59", "slot_minutes": "240",
          "breaks": ""}, "fuera de los años admitidos"),
        ({"days": "9999-12-31"}, "fuera de los años admitidos"),
        ({"days": "0001-01-01", "time_zone": "Pacific/Kiritimati"}, "fuera de los años admitidos"),
        ({"days": "2032-03-10\n2101-01-01"}, "fuera de los años admitidos"),
        ({"days": "1999-12-31"}, "fuera de los años admitidos"),
        # A folder of the time zone database is not a time zone.
        ({"time_zone": "America"}, "Zona horaria desconocida"),
        ({"time_zone": "a" * 300}, "Zona horaria desconocida"),
        ({"time_zone": "zone.tab"}, "Zona horaria desconocida"),
        ({"name": "Expo\x00Latam"}, "caracteres de control"),
        ({"venue": "Centro\nde Convenciones"}, "caracteres de control"),
        ({"breaks": "11:00-11:20 Café\x00"}, "HH:MM-HH:MM"),
        ({"num_tables": str(2**63)}, "Debe estar entre 1 y 1000"),
        ({"request_expiry_hours": "²"}, "No es un valor entero válido"),
    ],
)  # fmt: skip
def test_out_of_range_settings_are_refused_next_to_their_field(
    app: Flask, client: FlaskClient, change: dict[str, str], message: str
) -> None:
    data = seed(app)
    login_organiser(client)
    before = _event_row(app, data.event_id)
    for preview in (False, True):
        values = SETTINGS | change | ({"preview": "1", "save": ""} if preview else {})
        response = _post(client, values)
        _assert_refused_in_place(app, data.event_id, before, response)
        assert message in response.get_data(as_text=True), (preview, change)


def test_the_first_and_last_admitted_days_are_saved(app: Flask, client: FlaskClient) -> None:
    data = seed(app)
    login_organiser(client)
    response = _post(client, SETTINGS | {"days": "2000-01-01\n2100-12-31",
                                          "time_zone": "Pacific/Kiritimati"})  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get_one(Event, data.event_id).days == ["2000-01-01", "2100-12-31"]
    assert client.get("/organiser/event").status_code == 200


def _iso_days(days: list[date]) -> str:
    return "\n".join(day.isoformat() for day in days)


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def _in_range(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(min_value=low, max_value=high).map(str)


def _day_times(pair: tuple[time, time]) -> dict[str, str]:
    start, end = sorted(pair)
    return {"day_start": _hhmm(start), "day_end": _hhmm(end)}


#: Settings that are mostly plausible (numbers in range, times in order, days anywhere in
#: 1-9999 or around the admitted years), so that some are saved...
PLAUSIBLE = st.fixed_dictionaries(
    {
        "name": st.one_of(st.just("Smart City Expo Latam"), st.text(max_size=220)),
        "venue": st.one_of(st.just(""), st.text(max_size=30)),
        "time_zone": st.sampled_from(
            ["America/Mexico_City", "Pacific/Kiritimati", "Etc/GMT+12", "UTC", "America"]
        ),
        "days": st.one_of(
            st.lists(st.dates(), min_size=1, max_size=3).map(_iso_days),
            st.lists(st.dates(date(1999, 1, 1), date(2101, 12, 31)), min_size=1, max_size=3).map(
                _iso_days
            ),
        ),
        "times": st.tuples(st.times(), st.times()).map(_day_times),
        "slot_minutes": _in_range(5, 240),
        "breaks": st.one_of(
            st.just(""),
            st.tuples(st.times(), st.times(), st.text(max_size=10)).map(
                lambda b: f"{_hhmm(min(b[:2]))}-{_hhmm(max(b[:2]))} {b[2]}"
            ),
        ),
        "num_tables": _in_range(1, 1000),
        "default_max_meetings": _in_range(1, 200),
        "request_expiry_hours": _in_range(1, 24 * 90),
        "submit": st.sampled_from(["save", "preview"]),
    }
)
FIELDS = ("name", "venue", "time_zone", "days", "day_start", "day_end", "slot_minutes",
          "breaks", "num_tables", "default_max_meetings", "request_expiry_hours")  # fmt: skip
#: ...with up to two fields replaced by any number, date or text.
ANYTHING = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(date.isoformat),
)
ARBITRARY = st.dictionaries(st.sampled_from(FIELDS), ANYTHING, max_size=2)


def _combine(plausible: dict[str, Any], arbitrary: dict[str, str]) -> dict[str, str]:
    values = {k: v for k, v in plausible.items() if k != "times"} | plausible["times"]
    return values | arbitrary


SETTINGS_VALUES = st.builds(_combine, PLAUSIBLE, ARBITRARY)


@EXAMPLES
@given(values=SETTINGS_VALUES)
@example(
    values=SETTINGS
    | {
        "days": "9999-12-31",
        "day_start": "22:00",
        "day_end": "23:59",
        "slot_minutes": "240",
        "breaks": "",
        "submit": "save",
    }
)
@example(
    values=SETTINGS | {"days": "0001-01-01", "time_zone": "Pacific/Kiritimati", "submit": "preview"}
)
@example(values=SETTINGS | {"time_zone": "America", "submit": "save"})
@example(values=SETTINGS | {"submit": "save"})
def test_any_settings_form_answers_below_500_and_saves_only_good_values(
    app: Flask, client: FlaskClient, values: dict[str, str]
) -> None:  # fmt: skip
    if not getattr(client, "seeded", None):  # function-scoped fixtures live across examples
        client.seeded = seed(app)  # type: ignore[attr-defined]
        login_organiser(client)
    event_id = client.seeded.event_id  # type: ignore[attr-defined]
    before = _event_row(app, event_id)
    form = {k: v for k, v in values.items() if k not in ("submit", "save", "preview")}
    form |= {"save": "1"} if values["submit"] == "save" else {"preview": "1"}
    response = _post(client, form)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        if values["submit"] == "save":
            _assert_refused_in_place(app, event_id, before, response)
        else:
            assert _event_row(app, event_id) == before, "a preview changed the event"
        return
    with app.app_context():
        event = db.session.get_one(Event, event_id)
        assert all("2000-01-01" <= day <= "2100-12-31" for day in event.days)
        assert event.calendar().num_slots > 0
        db.session.remove()
    for page in ("/organiser/event", "/organiser/schedule/grid", "/organiser/"):
        assert client.get(page).status_code == 200, page
