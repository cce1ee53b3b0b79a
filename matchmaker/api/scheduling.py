"""Scheduling: draft the schedule in a worker and follow its job; publish the drafts.

Drafting is the organisers' "Generar" button: a job the workers run (minutes for a big
event), followed here by its status, fraction done and step. Publishing is quick (a status
changes) and answers at once; the invitations go out by mail afterwards, as from the page.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import abort

from matchmaker.api.core import api_blueprint, current_account, get_or_404, organiser_event
from matchmaker.api.meetings import organiser_only
from matchmaker.api.schemas import StrictSchema
from matchmaker.domain.progress import STEPS
from matchmaker.models import Job
from matchmaker.models.jobs import JOB_STATES
from matchmaker.orm import as_utc
from matchmaker.services import scheduling

blp = api_blueprint("scheduling", __name__, "Drafting the schedule (a job) and publishing it.")

#: The most meetings per official the page's form lets an organiser ask for.
MAX_MIN_MEETINGS = 50


class StartDraftSchema(StrictSchema):
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(["draft"]))
    unbooked_only = ma.fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "book only the pairs without a meeting, moving nobody; by default "
            "true once the schedule is published, as on the schedule page"
        },
    )
    min_meetings = ma.fields.Integer(
        load_default=0,
        strict=True,
        validate=ma.validate.Range(min=0, max=MAX_MIN_MEETINGS),
        metadata={"description": "meetings per official to aim for, where possible"},
    )


class JobSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    event_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(JOB_STATES))
    fraction = ma.fields.Float(required=True, metadata={"description": "done so far, 0 to 1"})
    step = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["", *STEPS]),
        metadata={"description": "what the job is doing, or how it ended, as a code"},
    )
    counts = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Integer(),
        required=True,
        metadata={"description": "the step's numbers, e.g. done and total, or meetings"},
    )
    error = ma.fields.String(
        required=True, allow_none=True, metadata={"description": "why it failed; else null"}
    )
    created_at = ma.fields.AwareDateTime(required=True)
    started_at = ma.fields.AwareDateTime(required=True, allow_none=True)
    finished_at = ma.fields.AwareDateTime(required=True, allow_none=True)


class PublishedSchema(ma.Schema):
    published = ma.fields.Integer(required=True, metadata={"description": "meetings published"})
    people = ma.fields.Integer(
        required=True, metadata={"description": "participants who now see them on their agenda"}
    )


def job_data(job: Job) -> dict[str, Any]:
    failed = job.state == "failed"
    return {
        "id": job.id, "event_id": job.event_id, "status": job.state, "fraction": job.progress,
        "step": job.progress_step, "counts": dict(job.progress_counts or {}),
        "error": (job.message or None) if failed else None,
        "created_at": as_utc(job.created_at),
        "started_at": as_utc(job.started_at) if job.started_at else None,
        "finished_at": as_utc(job.finished_at) if job.finished_at else None,
    }  # fmt: skip


@blp.route("/events/<int:event_id>/schedule-jobs", methods=["POST"])
@organiser_only
@blp.arguments(StartDraftSchema)
@blp.response(202, JobSchema, headers={"Location": {"schema": {"type": "string"}}})
@blp.problems(403, 404)
@blp.idempotent
def start_draft(args: dict[str, Any], event_id: int) -> tuple[dict[str, Any], dict[str, str]]:
    """Draft the schedule (a job).

    As the schedule page's "Generar" does: a worker drafts it; follow the job at Location.
    The drafts replace the event's unpublished meetings (all of them, or with
    ``unbooked_only`` only the pairs without one get a meeting) and stay drafts until
    published.
    """
    event = organiser_event(event_id)
    unbooked_only = args["unbooked_only"]
    if unbooked_only is None:
        unbooked_only = scheduling.has_meetings(event, ("published",))
    job = scheduling.start_draft(event, current_account(), unbooked_only=unbooked_only,
                                 min_meetings=args["min_meetings"])  # fmt: skip
    location = url_for("scheduling.get_schedule_job", event_id=event.id, job_id=job.id)
    return job_data(job), {"Location": location}


@blp.route("/events/<int:event_id>/schedule-jobs/<int:job_id>")
@blp.response(200, JobSchema)
@blp.problems(403, 404)
def get_schedule_job(event_id: int, job_id: int) -> dict[str, Any]:
    """A drafting job: its status, how far it is, its step and that step's numbers."""
    event = organiser_event(event_id)
    job = get_or_404(Job, job_id, event=event)
    if job.kind != "schedule":
        abort(404)
    return job_data(job)


@blp.route("/events/<int:event_id>/schedule/publish", methods=["POST"])
@blp.response(200, PublishedSchema)
@blp.problems(403, 404, 409, 422)
@blp.idempotent
def publish(event_id: int) -> dict[str, int]:
    """Publish the draft meetings.

    As the schedule page's "Publicar" does: both sides see them on their agendas and their
    invitations are mailed. 409 if there are no drafts.
    """
    event = organiser_event(event_id)
    preview = scheduling.publish_preview(event)
    if not preview.meetings:
        abort(409, message=_("No hay reuniones en borrador que publicar."))
    _job, published = scheduling.publish_now(event, current_account())
    return {"published": len(published), "people": preview.people}
