"""Check-in codes: signed per participant and meeting, refused when tampered with or moved to
another meeting, checking in through the live rules (window, once), and carried by the
agenda's calendar file and PDF. On a factory event (10 March 2032, 20-minute slots)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from icalendar import Calendar
from itsdangerous import URLSafeSerializer

from matchmaker.extensions import db
from matchmaker.models import AuditEntry, Event, Meeting, Participant
from matchmaker.services import check_in_codes
from matchmaker.services.agenda_pdf import render_agendas_pdf
from matchmaker.services.agendas import participant_ics
from matchmaker.services.check_in_codes import CheckInLinks, resolve_code
from matchmaker.services.live import LiveError
from tests.factories import create_event
from tests.live_world import LiveWorld, build_live_world
from tests.pdf_text import page_texts

SECRET = "test-secret"
LINKS = CheckInLinks(SECRET, "https://citas.example.org/")


@pytest.fixture
def world(app_ctx: Flask) -> LiveWorld:
    built = build_live_world(create_event(days=1), checked_in=False)
    db.session.commit()
    return built


def at(world: LiveWorld, minutes: float) -> datetime:
    return world.slot1_start + timedelta(minutes=minutes)


def person(world: LiveWorld, name: str) -> Participant:
    return db.session.get_one(Participant, world.people[name])


def busy(world: LiveWorld) -> Meeting:
    """G3 × P7 at table 3 of slot 1: nobody has checked in."""
    return db.session.get_one(Meeting, world.busy)


def test_a_code_names_its_meeting_and_the_persons_side(world: LiveWorld) -> None:
    meeting, partner, official = busy(world), person(world, "P7"), person(world, "G3")
    url = LINKS.url(meeting, partner)
    assert url.startswith("https://citas.example.org/organiser/live/check-in/")
    for code in (LINKS.token(meeting, partner), url, f"  {url}/ \n"):
        target = resolve_code(code, SECRET)
        assert target is not None
        assert (target.meeting.id, target.participant.id, target.side) == (
            meeting.id, partner.id, "partner")  # fmt: skip
    official_side = resolve_code(LINKS.token(meeting, official), SECRET)
    assert official_side is not None and official_side.side == "government"
    # Each side's code differs, and neither looks like the other meeting's.
    other = db.session.get_one(Meeting, world.both)
    tokens = {LINKS.token(m, p) for m in (meeting, other) for p in (partner, official)}
    assert len(tokens) == 4


def test_tampered_foreign_and_stale_codes_are_refused(world: LiveWorld) -> None:
    meeting, partner = busy(world), person(world, "P7")
    token = LINKS.token(meeting, partner)
    payload, signature = token.split(".")
    # The first character: the last one carries two padding bits, and changing only those
    # leaves the same bytes (a valid signature).
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    # Another meeting's id under this code's signature: not a code for that meeting.
    other_payload = URLSafeSerializer(SECRET, salt="x").dumps([world.both, partner.id])
    moved = other_payload.split(".")[0] + "." + signature
    foreign = CheckInLinks("another-secret", LINKS.base_url).token(meeting, partner)
    # Signed, but P1 is not on this meeting (the code of someone no longer on it).
    stale = LINKS.token(meeting, person(world, "P1"))
    for code in (f"{payload}.{flipped}", moved, foreign, stale, "", "nonsense",
                 "x" * 1000, f"https://elsewhere.example/{payload}"):  # fmt: skip
        assert resolve_code(code, SECRET) is None, code
    db.session.delete(meeting)
    db.session.flush()
    assert resolve_code(token, SECRET) is None  # the meeting is gone


def test_checking_in_with_a_code_follows_the_live_rules(world: LiveWorld) -> None:
    target = resolve_code(LINKS.token(busy(world), person(world, "P7")), SECRET)
    assert target is not None
    with pytest.raises(LiveError) as early:  # 20 minutes before: the window opens at 15
        check_in_codes.check_in_with_code(target, at(world, -20), None)
    assert early.value.code == "outside-slot"
    assert busy(world).partner_checked_in_at is None
    assert check_in_codes.check_in_with_code(target, at(world, -5), None) is True
    assert check_in_codes.check_in_with_code(target, at(world, 1), None) is False
    meeting = busy(world)
    assert meeting.partner_checked_in_at is not None and meeting.government_checked_in_at is None
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert entry.action == "meeting.checked-in"


def test_the_calendar_file_and_pdf_carry_the_readers_own_codes(world: LiveWorld) -> None:
    event = db.session.get_one(Event, busy(world).event_id)
    partner = person(world, "P7")
    ics = Calendar.from_ical(participant_ics(event, partner, "org@example.org", LINKS))
    descriptions = {str(c["UID"]): str(c["DESCRIPTION"]) for c in ics.walk("VEVENT")}
    assert LINKS.url(busy(world), partner) in descriptions[f"meeting-{world.busy}@matchmaker"]
    assert len(descriptions) == 2  # slot 0's meeting has its own link
    assert sum(LINKS.url(busy(world), partner) in text for text in descriptions.values()) == 1
    plain = participant_ics(event, partner, "org@example.org")
    assert b"check-in" not in plain.replace(b"\r\n ", b"")

    with_codes = page_texts(render_agendas_pdf(event, [partner], "es", check_in_links=LINKS))
    lines = [line for page in with_codes for line in page]
    assert "Códigos de llegada" in lines
    assert any(line.endswith("· Mesa 3") for line in lines)
    without = page_texts(render_agendas_pdf(event, [partner], "es"))
    assert "Códigos de llegada" not in [line for page in without for line in page]
