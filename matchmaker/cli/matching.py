"""Matching commands: rank pairs, approve suggestions."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from matchmaker.cli.base import cli, event_option, load_event
from matchmaker.cli.progress import describe_step
from matchmaker.domain.matching import write_match_csv
from matchmaker.extensions import db
from matchmaker.services import decisions, matching


@cli.command("match")
@click.option("--top", "top_k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path))
@event_option
@with_appcontext
def match_command(top_k: int, out_path: Path | None, event_id: int | None) -> None:
    """Score every government-partner pair; store suggestions; write each official's top K."""
    event = load_event(event_id)
    with click.progressbar(length=1000, label="matching", file=sys.stderr) as bar:

        def progress(fraction: float, step: str, /, **counts: int) -> None:
            bar.label = describe_step(step, counts)[:40].ljust(40)
            bar.update(int(fraction * 1000) - bar.pos)

        run = matching.compute_suggestions(event, matching.app_embedder(), top_k, progress)
    db.session.commit()
    officials = {s.government_id for s in run.for_officials}
    if out_path is not None:
        write_match_csv(run.for_officials, out_path)
        click.echo(f"wrote {len(run.for_officials)} suggestions for {len(officials)} officials "
                   f"to {out_path}")  # fmt: skip
    else:
        click.echo(f"stored suggestions for {len(officials)} officials (top {top_k})")


@cli.command("approve")
@click.option(
    "--min-score", type=float, required=True, help="approve suggestions scoring this or more"
)
@event_option
@with_appcontext
def approve_command(min_score: float, event_id: int | None) -> None:
    """Approve every undecided suggestion at or above a score (recorded in the audit log)."""
    event = load_event(event_id)
    count = decisions.approve_above(event, min_score, actor=None)
    db.session.commit()
    click.echo(f"approved {count} suggestions scoring {min_score:g} or more")
