"""Declarative base, constraint naming convention and reusable column types for the models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, DateTime, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, mapped_column, registry

# Named constraints keep Alembic migrations stable across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timestamps are stored in UTC; the UI converts to the event's time zone."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored timestamp, time-zone aware: SQLite hands back naive UTC datetimes."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    # A registry of our own, because Flask-SQLAlchemy subclasses this base and SQLAlchemy
    # rejects a per-class type_annotation_map there.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            dict[str, Any]: JSON,
            list[Any]: JSON,
            list[str]: JSON,
            list[int]: JSON,
            datetime: DateTime(timezone=True),
        },
    )


intpk = Annotated[int, mapped_column(primary_key=True)]
str40 = Annotated[str, mapped_column(String(40))]
str200 = Annotated[str, mapped_column(String(200))]
text = Annotated[str, mapped_column(Text)]
created_at = Annotated[datetime, mapped_column(default=utcnow)]
