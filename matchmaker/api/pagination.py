"""Cursor pagination: ``?limit=&cursor=`` in, ``{"items": [...], "next_cursor": ...}`` out.

A cursor is the last id a page held, opaque to clients: new rows never shift a page, and the
database walks the primary key instead of counting an offset.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import abort
from sqlalchemy import Select

from matchmaker.extensions import db
from matchmaker.ids import MAX_ID

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageArgs(ma.Schema):
    """The query parameters of every paged list (a resource's filters extend it)."""

    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT,
                              validate=ma.validate.Range(min=1, max=MAX_LIMIT))  # fmt: skip
    cursor = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(max=40),
        metadata={"description": "next_cursor of the previous page"},
    )


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of one page of ``item`` rows."""
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "next_cursor": ma.fields.String(allow_none=True, required=True,
                                        metadata={"description": "null on the last page"}),
    })  # fmt: skip


def paged(query: Select[Any], id_column: Any, args: dict[str, Any]) -> dict[str, Any]:
    """One page of ``query`` (rows whose ``id_column`` is after the cursor, in id order)."""
    after = decode_cursor(args.get("cursor"))
    limit = args.get("limit") or DEFAULT_LIMIT
    rows: Sequence[Any] = (
        db.session.execute(query.where(id_column > after).order_by(id_column).limit(limit + 1))
        .scalars()
        .all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more else None}


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, number = text.partition(":")
        last_id = int(number)
        if kind != "after" or not 0 <= last_id <= MAX_ID:
            raise ValueError(text)
    except (ValueError, UnicodeDecodeError):
        detail = _("El cursor no es válido: usa el next_cursor recibido.")
        abort(422, errors=[{"parameter": "cursor", "detail": detail}])
    return last_id
