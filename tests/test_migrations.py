"""One migration chain builds the schema from empty on both databases and matches the models."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from matchmaker.extensions import db
from matchmaker.models import Meeting
from tests.conftest import make_app


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("new_postgres_database")()


def test_upgrade_from_empty_matches_models_and_downgrades(empty_database: str, tmp_path: Path):
    app = make_app(empty_database, tmp_path / "instance")
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        downgrade(directory=directory, revision="base")
        assert sa.inspect(db.engine).get_table_names() in ([], ["alembic_version"])
        upgrade(directory=directory)
        indexes = {ix["name"] for ix in sa.inspect(db.engine).get_indexes(Meeting.__tablename__)}
        assert {"uq_meeting_event_slot_table", "uq_meeting_government_slot"} <= indexes
        db.session.remove()
        db.engine.dispose()
