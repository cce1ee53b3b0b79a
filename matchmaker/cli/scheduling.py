"""Scheduling commands: solve an instance file, draft and publish a stored event's schedule."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from matchmaker import background
from matchmaker.cli.base import cli, event_option, fail, load_event
from matchmaker.cli.progress import describe_step
from matchmaker.domain.scheduling import format_report, load_instance, solve, write_schedule_csv
from matchmaker.extensions import db
from matchmaker.models import Job
from matchmaker.services import jobs, worker_health

QUEUED_HINT_AFTER = 15.0  # seconds a job may wait, workers alive, before we call them busy


@cli.command("schedule-file")
@click.argument("instance", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--time-limit", type=float, default=None,
              help="stop by then (seconds) with the best schedule found so far")  # fmt: skip
@click.option("--min-meetings", type=int, default=0, help="guarantee K meetings per official")
def schedule_file_command(
    instance: Path, out_path: Path, time_limit: float | None, min_meetings: int
) -> None:
    """Solve a `b2b-sched/1` instance file without a database."""
    try:
        problem = load_instance(instance)
    except (ValueError, OSError) as exc:
        fail(f"{instance}: {exc}")
    problem.min_meetings_per_official = min_meetings
    result = solve(problem, time_limit=time_limit)
    with out_path.open("w", newline="", encoding="utf-8") as out:
        write_schedule_csv(result.bookings, out)
    click.echo(format_report(result.report))
    click.echo(f"wrote {len(result.bookings)} meetings to {out_path}")


@cli.command("schedule")
@event_option
@click.option("--unbooked-only", is_flag=True, help="keep existing meetings; book the rest")
@click.option("--min-meetings", type=int, default=0, help="guarantee K meetings per official")
@click.option("--inline", is_flag=True, help="run the task here instead of on a worker")
@with_appcontext
def schedule_command(
    event_id: int | None, unbooked_only: bool, min_meetings: int, inline: bool
) -> None:
    """Draft the event's schedule through the workers, showing progress."""
    from workers.tasks import schedule_event

    event = load_event(event_id)
    job = jobs.create_job("schedule", event.id)
    db.session.commit()
    args = (job.id, event.id, unbooked_only, min_meetings)
    _run(schedule_event, args, job.id, inline)


@cli.command("publish")
@event_option
@click.option("--inline", is_flag=True, help="run the task here instead of on a worker")
@with_appcontext
def publish_command(event_id: int | None, inline: bool) -> None:
    """Publish the draft schedule and send the invitations."""
    from workers.tasks import publish_event

    event = load_event(event_id)
    job = jobs.create_job("publish", event.id)
    db.session.commit()
    _run(publish_event, (job.id, event.id), job.id, inline)


def _run(task, args: tuple[object, ...], job_id: int, inline: bool) -> None:  # type: ignore[no-untyped-def]
    if inline:
        task.apply(args=args)
    else:
        background.enqueue(task.name, *args, job_id=job_id)
        db.session.commit()  # a broker that cannot be reached fails the job: _follow says so
    job = _follow(job_id)
    click.echo(job.message or describe_step(job.progress_step, job.progress_counts))
    if job.state == "failed":
        sys.exit(1)


def _follow(job_id: int, timeout: float = 3600.0) -> Job:
    """Show the job's progress until it ends."""
    started = time.monotonic()
    hinted = False
    while True:
        db.session.expire_all()
        job = db.session.get_one(Job, job_id)
        if job.state in ("done", "failed"):
            click.echo(f"\r[{'#' * 30}] 100% {job.state}".ljust(79), err=True)
            return job
        waited = time.monotonic() - started
        if job.state == "queued" and not hinted:
            if not worker_health.list_alive_workers():
                click.echo("\nno worker is running: the job waits until one starts "
                           "(matchmaker worker)", err=True)  # fmt: skip
                hinted = True
            elif waited > QUEUED_HINT_AFTER:
                click.echo("\nstill queued: are the workers busy?", err=True)
                hinted = True
        if waited > timeout:
            fail(f"job {job_id} did not finish in {timeout:.0f} s")
        bar = "#" * int(job.progress * 30)
        words = describe_step(job.progress_step, job.progress_counts)
        click.echo(f"\r[{bar:<30}] {job.progress:4.0%} {words}"[:79].ljust(79), nl=False, err=True)
        time.sleep(0.5)
