"""A request never outlives its event: its deadline is cut at the end of the last day, and
once the event is over no request can be made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from matchmaker.models import Participant
from matchmaker.services import housekeeping
from matchmaker.services import requests as service
from tests.factories import create_event, create_participant

#: The factory's event runs on 10 and 11 March 2032, in Mexico City (UTC-6 then).
LAST_DAY_ENDS = datetime(2032, 3, 12, 6, 0, tzinfo=UTC)  # midnight in Mexico City


@pytest.fixture
def pair(app_ctx: Flask) -> tuple[Participant, Participant]:
    event = create_event(request_expiry_hours=72, time_zone="America/Mexico_City")
    return create_participant(event), create_participant(event, kind="partner")


def test_a_request_lapses_after_its_delay_well_before_the_event(
    pair: tuple[Participant, Participant],
) -> None:
    official, partner = pair
    made = datetime(2032, 3, 1, 12, 0, tzinfo=UTC)
    request = service.create_request(official, partner, now=made)
    assert request.expires_at == made + timedelta(hours=72)


def test_a_request_made_during_the_event_lapses_when_it_ends(
    pair: tuple[Participant, Participant],
) -> None:
    official, partner = pair
    made = datetime(2032, 3, 11, 15, 0, tzinfo=UTC)  # 72 h later would be 14 March
    request = service.create_request(official, partner, now=made)
    assert service.as_utc(request.expires_at) == LAST_DAY_ENDS
    assert not service.is_expired(request, LAST_DAY_ENDS - timedelta(minutes=1))
    assert service.is_expired(request, LAST_DAY_ENDS)
    # The periodic task marks it at that moment, not three days later.
    assert housekeeping.expire_overdue_requests(LAST_DAY_ENDS) == [official.event_id]
    assert request.status == "expired"


def test_no_request_once_the_event_is_over(pair: tuple[Participant, Participant]) -> None:
    official, partner = pair
    with pytest.raises(service.RequestError, match="event-over"):
        service.create_request(official, partner, now=LAST_DAY_ENDS)
    assert service.list_outgoing(official) == []
    # One minute before the end it is still allowed, for that minute.
    late = service.create_request(official, partner, now=LAST_DAY_ENDS - timedelta(minutes=1))
    assert service.as_utc(late.expires_at) == LAST_DAY_ENDS


def test_an_event_without_days_keeps_the_plain_delay(app_ctx: Flask) -> None:
    event = create_event(days=0, request_expiry_hours=24)
    made = datetime(2030, 1, 1, tzinfo=UTC)
    assert service.request_deadline(event, made) == made + timedelta(hours=24)
    assert not service.event_is_over(event, made)


def test_the_end_follows_the_event_clock(app_ctx: Flask) -> None:
    event = create_event(days=1, time_zone="Asia/Tokyo")  # 10 March 2032 in Tokyo
    assert service.event_ends_at(event) == datetime(2032, 3, 10, 15, 0, tzinfo=UTC)
