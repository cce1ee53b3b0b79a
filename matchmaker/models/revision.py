"""The data's revision: one number, raised by every transaction that changes what people
see, so that a web process knows a page it rendered is still true (matchmaker.page_cache)."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.extensions import db


class DataRevision(db.Model):
    """A single row (id 1); written only by ``matchmaker.page_cache``."""

    __tablename__ = "data_revision"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(BigInteger, default=0)
