"""Meeting requests: create, accept, decline, withdraw, expire; suggestions listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from matchmaker.extensions import db
from matchmaker.models import BlockedPair, MatchSuggestion, MeetingRequest, Participant
from matchmaker.services import requests as service
from matchmaker.services import suggestions
from matchmaker.services.matching import match_rules
from tests.factories import create_event, create_participant

NOW = datetime(2032, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(app_ctx: Flask) -> tuple[Participant, Participant, Participant]:
    event = create_event(request_expiry_hours=48)
    official = create_participant(event)
    partner = create_participant(event, kind="partner")
    other_partner = create_participant(event, kind="partner")
    return official, partner, other_partner


def test_create_sets_sides_and_expiry(people: tuple[Participant, ...]) -> None:
    official, partner, _ = people
    request = service.create_request(partner, official, "  Hola  ", now=NOW)
    assert (request.government_id, request.partner_id) == (official.id, partner.id)
    assert request.message == "Hola" and request.status == "pending"
    assert request.expires_at == NOW + timedelta(hours=48)


def test_same_kind_other_event_and_blocked_pairs_are_refused(
    people: tuple[Participant, ...],
) -> None:
    official, partner, other_partner = people
    with pytest.raises(service.RequestError, match="not-allowed"):
        service.create_request(partner, other_partner)
    stranger = create_participant(create_event(), kind="partner")
    with pytest.raises(service.RequestError, match="not-allowed"):
        service.create_request(official, stranger)
    db.session.add(
        BlockedPair(event_id=official.event_id, government_id=official.id, partner_id=partner.id)
    )
    db.session.flush()
    with pytest.raises(service.RequestError, match="not-allowed"):
        service.create_request(official, partner)


def test_one_open_request_per_pair_either_way(people: tuple[Participant, ...]) -> None:
    official, partner, _ = people
    service.create_request(official, partner, now=NOW)
    with pytest.raises(service.RequestError, match="pending"):
        service.create_request(official, partner, now=NOW)
    with pytest.raises(service.RequestError, match="pending"):
        service.create_request(partner, official, now=NOW)


def test_accept_counts_as_mutual_interest(people: tuple[Participant, ...]) -> None:
    official, partner, _ = people
    request = service.create_request(official, partner, now=NOW)
    people_by_file_id = {p.external_id: p for p in (official, partner)}
    key = (official.external_id, partner.external_id)
    assert match_rules(official.event, people_by_file_id).interest[key] == "one-sided"
    with pytest.raises(service.RequestError, match="not-recipient"):
        service.answer_request(request, official, accept=True, now=NOW)
    service.answer_request(request, partner, accept=True, now=NOW)
    assert request.status == "accepted" and request.answered_at == NOW
    assert match_rules(official.event, people_by_file_id).interest[key] == "mutual"
    with pytest.raises(service.RequestError, match="answered"):
        service.answer_request(request, partner, accept=False, now=NOW)
    with pytest.raises(service.RequestError, match="accepted"):
        service.create_request(partner, official, now=NOW)


def test_decline_and_withdraw(people: tuple[Participant, ...]) -> None:
    official, partner, other_partner = people
    declined = service.create_request(official, partner, now=NOW)
    service.answer_request(declined, partner, accept=False, now=NOW)
    assert declined.status == "declined"
    withdrawn = service.create_request(other_partner, official, now=NOW)
    with pytest.raises(service.RequestError, match="not-requester"):
        service.withdraw_request(withdrawn, official, now=NOW)
    service.withdraw_request(withdrawn, other_partner, now=NOW)
    assert withdrawn.status == "withdrawn"


def test_overdue_requests_count_as_expired_and_are_marked(
    people: tuple[Participant, ...],
) -> None:
    official, partner, other_partner = people
    overdue = service.create_request(official, partner, now=NOW)
    fresh = service.create_request(official, other_partner, now=NOW + timedelta(hours=47))
    later = NOW + timedelta(hours=48)
    assert service.effective_status(overdue, later) == "expired"
    assert service.effective_status(fresh, later) == "pending"
    with pytest.raises(service.RequestError, match="expired"):
        service.answer_request(overdue, partner, accept=True, now=later)
    assert overdue.status == "pending"  # refused, not written: expire_requests marks it
    assert service.expire_requests(official.event_id, NOW + timedelta(hours=100)) == 2
    assert overdue.status == fresh.status == "expired"
    # Both may now ask again.
    again = service.create_request(partner, official, now=later)
    assert again.status == "pending"


def test_expire_marks_rows_read_back_from_the_database(people: tuple[Participant, ...]) -> None:
    official, partner, _ = people
    request_id = service.create_request(official, partner, now=NOW).id
    event_id = official.event_id
    db.session.commit()
    db.session.expunge_all()
    assert service.expire_requests(event_id, NOW + timedelta(hours=1)) == 0
    assert service.expire_requests(event_id, NOW + timedelta(hours=49)) == 1
    db.session.commit()
    assert db.session.get_one(MeetingRequest, request_id).status == "expired"


def test_get_request_for_only_the_two_sides(people: tuple[Participant, ...]) -> None:
    official, partner, other_partner = people
    request = service.create_request(official, partner, now=NOW)
    assert service.get_request_for(official, request.id) is request
    assert service.get_request_for(partner, request.id) is request
    assert service.get_request_for(other_partner, request.id) is None
    assert [r.id for r in service.list_incoming(partner)] == [request.id]
    assert [r.id for r in service.list_outgoing(official)] == [request.id]
    assert service.list_incoming(other_partner) == []


def test_request_states_per_counterpart(people: tuple[Participant, ...]) -> None:
    official, partner, other_partner = people
    service.create_request(official, partner, now=NOW)
    service.create_request(other_partner, official, now=NOW)
    assert service.request_states(official, NOW) == {
        partner.id: "sent",
        other_partner.id: "received",
    }
    assert service.request_states(official, NOW + timedelta(days=3)) == {}


def test_list_suggestions_ranked_filtered_and_without_rejected_or_blocked(
    people: tuple[Participant, ...],
) -> None:
    official, partner, other_partner = people
    other_partner.themes = ["climate-adaptation"]
    third = create_participant(official.event, kind="partner")
    fourth = create_participant(official.event, kind="partner")
    rows = [
        (partner, 2, "suggested"),
        (other_partner, 1, "approved"),
        (third, 3, "rejected"),
        (fourth, 4, "suggested"),
    ]
    for who, rank, status in rows:
        db.session.add(
            MatchSuggestion(
                event_id=official.event_id,
                government_id=official.id,
                partner_id=who.id,
                rank_for_government=rank,
                status=status,
                reasons=[],
            )
        )
    db.session.add(
        BlockedPair(event_id=official.event_id, government_id=official.id, partner_id=fourth.id)
    )
    db.session.flush()
    listed = suggestions.list_suggestions(official)
    assert [suggestions.counterpart(s, official) for s in listed] == [other_partner, partner]
    assert [s.partner_id for s in suggestions.list_suggestions(official, "climate-adaptation")] == [
        other_partner.id
    ]
    assert suggestions.list_suggestions(partner) == []  # not ranked from the partner's side


def test_the_database_allows_one_pending_request_per_pair_either_way(
    people: tuple[Participant, ...],
) -> None:
    """The schema itself holds the rule, so two requests racing past the service's check
    cannot both be saved: one pending request per (official, partner), whoever asked."""
    from sqlalchemy.exc import IntegrityError

    official, partner, other_partner = people

    def request(requester: Participant, recipient: Participant, status: str) -> MeetingRequest:
        government, partner_ = (requester, recipient) if requester.is_government else (
            recipient, requester)  # fmt: skip
        row = MeetingRequest(event_id=official.event_id, requester_id=requester.id,
                             recipient_id=recipient.id, government_id=government.id,
                             partner_id=partner_.id, status=status)  # fmt: skip
        db.session.add(row)
        return row

    request(official, partner, "pending")
    db.session.flush()
    for requester, recipient in ((partner, official), (official, partner)):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            request(requester, recipient, "pending")
    # Answered requests are history: any number of them next to the open one.
    for status in ("declined", "expired", "withdrawn", "declined"):
        request(partner, official, status)
    request(official, other_partner, "pending")
    db.session.flush()
    pending = db.select(MeetingRequest).where(MeetingRequest.status == "pending")
    assert len(db.session.execute(pending).scalars().all()) == 2
