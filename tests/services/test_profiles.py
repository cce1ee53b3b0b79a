"""Editing a profile: validation, presence stored as unavailable slots, recompute requests."""

from __future__ import annotations

import pytest
from flask import Flask

from matchmaker.models import Participant
from matchmaker.services.profiles import ProfileChanges, ProfileError, update_profile
from tests.factories import create_event, create_participant


@pytest.fixture
def official(app_ctx: Flask) -> Participant:
    event = create_event(days=1)  # 12 slots of 20 minutes
    return create_participant(event, unavailable=[3])


def changes(**overrides: object) -> ProfileChanges:
    values: dict[str, object] = {
        "themes": ["urban-mobility"],
        "description": "Movilidad urbana sostenible.",
        "languages": ["es"],
        "present_slots": [i for i in range(12) if i != 3],
        "max_meetings": None,
    }
    values.update(overrides)
    return ProfileChanges(**values)  # type: ignore[arg-type]


def test_nothing_changed_asks_for_nothing(official: Participant) -> None:
    assert update_profile(official, changes()) == set()
    assert official.event.suggestions_requested_at is None


def test_matching_fields_ask_for_a_recompute(official: Participant) -> None:
    changed = update_profile(
        official,
        changes(themes=["climate-adaptation", "urban-mobility"], languages=["pt", "es"]),
    )
    assert changed == {"themes", "languages"}
    assert official.themes == ["urban-mobility", "climate-adaptation"]  # vocabulary order
    assert official.languages == ["es", "pt"]
    assert official.event.suggestions_requested_at is not None


def test_presence_and_cap_do_not_touch_suggestions(official: Participant) -> None:
    changed = update_profile(official, changes(present_slots=[0, 1, 2], max_meetings=4))
    assert changed == {"unavailable", "max_meetings"}
    assert official.unavailable == list(range(3, 12))
    assert official.cap() == 4
    assert official.event.suggestions_requested_at is None


def test_unavailable_slots_beyond_the_calendar_are_kept(official: Participant) -> None:
    official.unavailable = [3, 40]
    update_profile(official, changes(present_slots=range(12)))
    assert official.unavailable == [40]


@pytest.mark.parametrize(
    ("field", "override"),
    [
        ("themes", {"themes": []}),
        ("themes", {"themes": ["smart-parking"]}),
        ("languages", {"languages": []}),
        ("languages", {"languages": ["xx"]}),  # not an ISO 639-1 code
        ("description", {"description": "   "}),
        ("present", {"present_slots": [12]}),
        ("max_meetings", {"max_meetings": -1}),
    ],
)
def test_invalid_values_name_their_field(
    official: Participant, field: str, override: dict[str, object]
) -> None:
    with pytest.raises(ProfileError) as error:
        update_profile(official, changes(**override))
    assert error.value.field == field


def test_a_language_beyond_the_events_three_is_kept_as_the_import_keeps_it(
    official: Participant,
) -> None:
    """The import accepts any ISO 639-1 code; saving the profile must not drop one."""
    update_profile(official, changes(languages=["fr", "es"]))
    assert official.languages == ["es", "fr"]  # the event's languages first
