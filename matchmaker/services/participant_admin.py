"""Organisers managing participants one at a time: the paged list, add, edit, remove, and the
pair pickers' search.

A participant added or edited here passes exactly the checks an imported row does
(``matchmaker.domain.importing.parse_record`` and the import's rules against the stored event),
so nothing the import would refuse gets in by this door. Functions flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Select, String, cast, func, or_

from matchmaker.domain.import_errors import ImportRejected, RowError, shown
from matchmaker.domain.importing import ALL_COLUMNS, ParticipantRecord, parse_record
from matchmaker.extensions import db
from matchmaker.models import (
    BlockedPair,
    Event,
    MatchSuggestion,
    Meeting,
    MeetingRequest,
    Participant,
    User,
)
from matchmaker.services import audit, cancellations, participants
from matchmaker.services.matching import request_recompute
from matchmaker.text_search import contains_folded

#: Fields the matching reads: changing one asks for the suggestions to be recomputed.
MATCHING_FIELDS = frozenset({"kind", "themes", "languages", "description"})
#: The most participants the pair pickers' search returns.
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class ParticipantFilters:
    """What the participants list is narrowed to; empty values filter nothing."""

    search: str = ""  # in the name, organisation, email or id, whatever the case
    kind: str = ""
    theme: str = ""
    language: str = ""
    country: str = ""
    updated_since: datetime | None = None  # changed at or after this moment (aware)


@dataclass
class ParticipantPage:
    rows: list[Participant]
    matching: int  # participants that pass the filters, on every page
    page: int
    pages: int


def participant_page(
    event: Event, filters: ParticipantFilters, page: int, size: int
) -> ParticipantPage:
    """One page of the event's participants that pass the filters, by kind and name; a page
    past the end shows the last. Filtered, counted and cut in SQL (two queries)."""
    query = filtered_participants(event, filters)
    matching = db.session.execute(
        db.select(func.count()).select_from(query.subquery())
    ).scalar_one()
    pages = max(1, -(-matching // size))
    page = min(max(1, page), pages)
    ordered = query.order_by(Participant.kind, Participant.name, Participant.id)
    rows = list(db.session.execute(ordered.limit(size).offset((page - 1) * size)).scalars())
    return ParticipantPage(rows, matching, page, pages)


def filtered_participants(event: Event, filters: ParticipantFilters) -> Select[Participant]:
    """The event's participants that pass the filters, as a query (unordered) to page."""
    query = db.select(Participant).where(Participant.event_id == event.id)
    if filters.kind:
        query = query.where(Participant.kind == filters.kind)
    if filters.country:
        query = query.where(Participant.country == filters.country)
    # Themes and languages are JSON lists: a quoted code inside the list's text is a member
    # (codes come from fixed vocabularies and hold no quote); it reads the same on both backends.
    if filters.theme:
        query = query.where(cast(Participant.themes, String).contains(f'"{filters.theme}"'))
    if filters.language:
        query = query.where(cast(Participant.languages, String).contains(f'"{filters.language}"'))
    if filters.search:
        query = query.where(_matches(filters.search))
    if filters.updated_since is not None:
        # In UTC: SQLite compares the stored text, which is UTC without an offset.
        query = query.where(Participant.updated_at >= filters.updated_since.astimezone(UTC))
    return query


def _matches(text: str):  # type: ignore[no-untyped-def]
    columns = (Participant.name, Participant.organisation, Participant.email,
               Participant.external_id)  # fmt: skip
    return or_(*(contains_folded(c, text.strip()) for c in columns))


def countries(event: Event) -> list[str]:
    """The country codes the event's participants come from (for the list's filter)."""
    query = db.select(Participant.country).where(Participant.event_id == event.id).distinct()
    return sorted(db.session.execute(query).scalars())


# --------------------------------------------------------------------------- one participant


def get_event_participant(event: Event, participant_id: int) -> Participant | None:
    """The participant with this id if it belongs to ``event``."""
    participant = db.session.get(Participant, participant_id)
    return participant if participant is not None and participant.event_id == event.id else None


def columns_of(participant: Participant) -> dict[str, str]:
    """The participant as the import's columns, each as a file's cell would hold it."""
    values = {name: getattr(participant, name, None) for name in ALL_COLUMNS}
    values["id"] = participant.external_id
    text = {}
    for name, value in values.items():
        if isinstance(value, list):
            text[name] = ";".join(str(v) for v in value)
        else:
            text[name] = "" if value is None else str(value)
    return text


def save_participant(
    event: Event, participant: Participant | None, values: Mapping[str, str], actor: User | None
) -> tuple[Participant, set[str]]:
    """Create (``participant`` None) or update a participant from the import's columns; returns
    it and the names of the fields that changed. Raises ImportRejected (nothing changed) with
    the import's errors, each naming its column. The unique constraints on (event, id) and
    (event, email) settle a race with another organiser: the view's commit fails then."""
    record, errors = parse_record(values)
    if record is None:
        raise ImportRejected(errors)
    errors = _event_errors(event, participant, record)
    if errors:
        raise ImportRejected(errors)
    if participant is None:
        participant = participants.new_participant(event, record)
        db.session.add(participant)
        changed = {"created"} | MATCHING_FIELDS
        action = "participant.created"
    else:
        before = columns_of(participant)
        participant.external_id = record.id
        participants.apply_record(participant, record)
        after = columns_of(participant)
        changed = {name for name in ALL_COLUMNS if before[name] != after[name]}
        action = "participant.updated"
    db.session.flush()
    if changed:
        audit.record(action, actor=actor, event_id=event.id, target=participant,
                     name=participant.name, external_id=participant.external_id,
                     fields=sorted(changed - {"created"}))  # fmt: skip
    if changed & MATCHING_FIELDS:
        request_recompute(event)
    return participant, changed


def _event_errors(
    event: Event, participant: Participant | None, record: ParticipantRecord
) -> list[RowError]:
    """The import's rules against the stored event (the kind never changes, the email is
    nobody else's, the slots exist), and the id is nobody else's."""
    others = db.session.execute(
        db.select(Participant).where(
            Participant.event_id == event.id,
            or_(Participant.external_id == record.id,
                func.lower(Participant.email) == record.email.lower()),
        )
    ).scalars()  # fmt: skip
    errors = []
    existing: dict[str, Participant] = {}
    for other in others:
        if other is participant:
            continue
        if other.external_id == record.id:
            params = {"value": shown(record.id), "name": shown(other.name)}
            errors.append(RowError(0, "id", "id_taken", params))
        else:
            existing[other.external_id] = other
    if participant is not None:
        existing[record.id] = participant  # the import's own view: this id is this participant
    return errors + participants.event_errors(event, [record], existing)


# --------------------------------------------------------------------------- the pair pickers


def picker_label(participant: Participant) -> str:
    """How a picker shows a participant: name, organisation and the file's id, which makes
    the label unique and lets a typed label find its participant again."""
    return f"{participant.name} — {participant.organisation} ({participant.external_id})"


def search_participants(
    event: Event, kind: str, text: str, limit: int | None = None
) -> list[Participant]:
    """Up to ``limit`` participants of ``kind`` (any, if empty) whose name, organisation,
    email or id holds ``text``, by name."""
    query = db.select(Participant).where(Participant.event_id == event.id)
    if kind:
        query = query.where(Participant.kind == kind)
    if text.strip():
        query = query.where(_matches(text))
    query = query.order_by(Participant.name, Participant.id).limit(limit or SEARCH_LIMIT)
    return list(db.session.execute(query).scalars())


class NoMatch(LookupError):
    """Nobody of that kind matches the text typed in a picker."""


@dataclass
class Ambiguous(LookupError):
    """Several participants match the text typed in a picker (the first few of them)."""

    candidates: list[Participant] = field(default_factory=list)


def resolve_participant(event: Event, kind: str, chosen_id: int | None, text: str) -> Participant:
    """The participant a picker names: the one chosen from its list (by id; the text, if any,
    still its label), else the one whose id, email or label is the typed text, else the only
    one the text matches. NoMatch or Ambiguous otherwise."""
    typed = text.strip()
    if chosen_id is not None:
        chosen = get_event_participant(event, chosen_id)
        if chosen is not None and chosen.kind == kind and typed in ("", picker_label(chosen)):
            return chosen
    if not typed:
        raise NoMatch(typed)
    found = search_participants(event, kind, typed)
    exact = [p for p in found if typed.lower() in (p.external_id.lower(), p.email.lower())
             or typed == picker_label(p)]  # fmt: skip
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NoMatch(typed)
    raise Ambiguous(found[:5])


# --------------------------------------------------------------------------- removal


@dataclass(frozen=True)
class RemovalSummary:
    """What goes with a participant when they are removed."""

    meetings: dict[str, int]  # by status
    requests: int
    suggestions: int
    blocks: int
    accounts: list[User]

    @property
    def published(self) -> int:
        return self.meetings.get("published", 0)


def removal_summary(participant: Participant) -> RemovalSummary:
    """Count everything that is removed with the participant (a handful of queries)."""
    pid = participant.id
    meetings = db.session.execute(
        db.select(Meeting.status, func.count())
        .where(or_(Meeting.government_id == pid, Meeting.partner_id == pid))
        .group_by(Meeting.status)
    ).all()
    return RemovalSummary(
        meetings={status: count for status, count in meetings},
        requests=_count(
            MeetingRequest, MeetingRequest.requester_id == pid, MeetingRequest.recipient_id == pid
        ),
        suggestions=_count(
            MatchSuggestion, MatchSuggestion.government_id == pid, MatchSuggestion.partner_id == pid
        ),
        blocks=_count(BlockedPair, BlockedPair.government_id == pid, BlockedPair.partner_id == pid),
        accounts=_accounts(participant),
    )


def _count(model: type, *either: object) -> int:
    query = db.select(func.count()).select_from(model).where(or_(*either))  # type: ignore[arg-type]
    return int(db.session.execute(query).scalar_one())


def _accounts(participant: Participant) -> list[User]:
    query = db.select(User).where(User.participant_id == participant.id).order_by(User.id)
    return list(db.session.execute(query).scalars())


def published_meetings(participant: Participant) -> list[Meeting]:
    pid = participant.id
    query = db.select(Meeting).where(
        or_(Meeting.government_id == pid, Meeting.partner_id == pid),
        Meeting.status == "published",
    )
    return list(db.session.execute(query.order_by(Meeting.slot_index)).scalars())


def cancel_published(participant: Participant, reason: str, actor: User | None) -> int:
    """Cancel the participant's published meetings as an organiser cancels one (the same
    service: both sides are mailed after the commit) and log each; returns how many."""
    meetings = published_meetings(participant)
    for meeting in meetings:
        before = _logged(meeting)
        cancellations.cancel_meeting(meeting, reason)
        audit.record("meeting.cancelled", actor=actor, event_id=meeting.event_id,
                     target=meeting, reason=meeting.cancel_reason, **before)  # fmt: skip
    return len(meetings)


def _logged(meeting: Meeting) -> dict[str, object]:
    return {"slot": meeting.slot_index, "table": meeting.table_number, "status": meeting.status}


def notices_pending(participant: Participant) -> int:
    """Cancelled meetings of the participant whose mail to both sides has not gone out yet:
    removing the participant now would remove those meetings, and the mail with them."""
    pid = participant.id
    query = (
        db.select(func.count())
        .select_from(Meeting)
        .where(
            or_(Meeting.government_id == pid, Meeting.partner_id == pid),
            Meeting.status == "cancelled",
            Meeting.cancellation_mail_due.is_(True),
        )
    )
    return int(db.session.execute(query).scalar_one())


def remove_participant(participant: Participant, reason: str, actor: User | None) -> None:
    """Delete the participant, their account and (by the database's cascades) their
    meetings, requests, suggestions and blocks; the audit log keeps who they were, and each
    published meeting that goes with them as cancelled (when nobody can be mailed, the view
    removes at once; otherwise ``cancel_published`` ran first and none is left)."""
    summary = removal_summary(participant)
    for meeting in published_meetings(participant):
        audit.record("meeting.cancelled", actor=actor, event_id=meeting.event_id,
                     target=meeting, reason=reason.strip(), **_logged(meeting))  # fmt: skip
    audit.record("participant.removed", actor=actor, event_id=participant.event_id,
                 target=participant, name=participant.name, external_id=participant.external_id,
                 email=participant.email, meetings=summary.meetings, requests=summary.requests,
                 suggestions=summary.suggestions, blocks=summary.blocks,
                 accounts=[user.email for user in summary.accounts])  # fmt: skip
    for user in summary.accounts:
        db.session.delete(user)
    db.session.delete(participant)
    db.session.flush()
    # Rows the database removed by cascade may still sit in the session: forget them.
    for model in (Meeting, MeetingRequest, MatchSuggestion, BlockedPair):
        for row in [o for o in db.session.identity_map.values() if isinstance(o, model)]:
            if participant.id in (getattr(row, "government_id", None),
                                  getattr(row, "partner_id", None),
                                  getattr(row, "requester_id", None),
                                  getattr(row, "recipient_id", None)):  # fmt: skip
                db.session.expunge(row)
