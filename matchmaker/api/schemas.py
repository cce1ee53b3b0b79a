"""Schemas shared by every resource."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma


class StrictSchema(ma.Schema):
    """A request body. Unknown fields are an error, not silently dropped: a typo is reported.
    Values must have the JSON type the spec gives them: marshmallow alone takes ``1`` or
    ``"yes"`` for a boolean and ``"5"`` or ``true`` for a number, which the spec refuses."""

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load(pass_collection=True)
    def json_types(self, data: Any, many: bool, **_kwargs: Any) -> Any:
        """A value of another JSON type is swapped for one marshmallow refuses with its own
        message ("Not a valid boolean."), so that every error of the body is reported at
        once, each at its path. What is not an object (or a list of them) is left to
        marshmallow, which says what is wrong with it."""
        if many:
            return [self._json_typed(item) for item in data] if isinstance(data, list) else data
        return self._json_typed(data)

    def _json_typed(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        checked = dict(data)
        for name, field in self.load_fields.items():
            key = field.data_key or name
            if key in checked:
                checked[key] = _as_json_typed(field, checked[key])
        return checked


#: What marshmallow refuses as a boolean, an integer or a number, with its usual message.
_REFUSED = object()


def _as_json_typed(field: ma.fields.Field, value: Any) -> Any:
    if value is None:
        return value  # allow_none decides
    if isinstance(field, ma.fields.Boolean) and not isinstance(value, bool):
        return _REFUSED
    if isinstance(field, ma.fields.Number) and isinstance(value, (bool, str)):
        return _REFUSED
    if isinstance(field, ma.fields.List) and isinstance(value, list):
        return [_as_json_typed(field.inner, item) for item in value]
    return value


class ProblemItemSchema(ma.Schema):
    pointer = ma.fields.String(
        metadata={"description": "JSON pointer into the body, e.g. #/0/email"}
    )
    parameter = ma.fields.String(metadata={"description": "the query or path parameter at fault"})
    header = ma.fields.String(metadata={"description": "the header at fault"})
    detail = ma.fields.String(required=True)


class ProblemSchema(ma.Schema):
    """An error (RFC 9457), in the language of Accept-Language (es, en or pt)."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(ProblemItemSchema))
