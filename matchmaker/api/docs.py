"""The API's documentation page, served by the app itself: no CDN, no script.

The page is written at each request from the app's own OpenAPI spec (the one served at
/api/v1/openapi.json), so every operation a resource module adds appears without touching
this file. The walk below turns the spec into plain rows (fields with their types, whether
they are required, their allowed values); the template words them in the reader's language.
The summaries come from the views' docstrings and stay in English.
"""

from __future__ import annotations

import http
import json
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template

from matchmaker.api import idempotency, pagination
from matchmaker.api.core import PREFIX

bp = Blueprint("api_docs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")
#: How deep nested objects are unfolded: deeper ones are named by their schema only.
MAX_DEPTH = 4
#: A receiver refuses deliveries signed longer ago than this (seconds).
SIGNATURE_TOLERANCE = 300

Spec = dict[str, Any]


@dataclass(frozen=True)
class Field:
    """One field of a body: ``name`` is its path (``items[].id``), ``kind`` its type."""

    name: str
    kind: str
    required: bool = False
    nullable: bool = False
    enum: tuple[str, ...] = ()
    description: str = ""
    #: Limits and defaults as (word, value): ("min", "1"), ("max_length", "40"), ...
    limits: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path, query or header
    kind: str
    required: bool
    enum: tuple[str, ...] = ()
    description: str = ""
    limits: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    """A successful answer: its status, what the spec says of it and its body's fields."""

    status: str
    description: str
    kind: str = ""
    fields: tuple[Field, ...] = ()
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    parameters: tuple[Parameter, ...]
    body_kind: str
    body: tuple[Field, ...]
    answers: tuple[Answer, ...]
    #: Error statuses with their phrase, e.g. (404, "Not Found"): each a problem+json.
    problems: tuple[tuple[int, str], ...]
    public: bool = False


@dataclass
class Tag:
    name: str
    description: str
    operations: list[Operation] = field(default_factory=list)


@bp.get(f"{PREFIX}/docs")
def docs() -> str:
    """The documentation page (public: it shows what the spec shows)."""
    from matchmaker.api import api

    spec = api.spec.to_dict()
    return render_template(
        "api/docs.html", tags=operations_by_tag(spec), info=spec.get("info", {}),
        call_limit=current_app.config.get("API_LIMIT_PER_TOKEN", ""), prefix=PREFIX,
        default_limit=pagination.DEFAULT_LIMIT, max_limit=pagination.MAX_LIMIT,
        idempotency_header=idempotency.HEADER, replayed_header=idempotency.REPLAYED,
        tolerance_minutes=SIGNATURE_TOLERANCE // 60,
    )  # fmt: skip


def operations_by_tag(spec: Spec) -> list[Tag]:
    """Every operation of the spec, grouped by its first tag in the spec's order of tags."""
    tags = {tag["name"]: Tag(tag["name"], tag.get("description", ""))
            for tag in spec.get("tags", [])}  # fmt: skip
    for path, item in spec.get("paths", {}).items():
        shared = [_resolve(spec, p) for p in item.get("parameters", [])]
        for method in METHODS:
            if method in item:
                operation = _operation(spec, method, path, item[method], shared)
                name = (item[method].get("tags") or ["other"])[0]
                tags.setdefault(name, Tag(name, "")).operations.append(operation)
    for tag in tags.values():
        tag.operations.sort(key=lambda op: (op.path, METHODS.index(op.method.lower())))
    return [tag for tag in tags.values() if tag.operations]


def _operation(spec: Spec, method: str, path: str, op: Spec, shared: list[Spec]) -> Operation:
    own = [_resolve(spec, p) for p in op.get("parameters", [])]
    named = {(p["in"], p["name"]): p for p in [*shared, *own]}  # the operation's own win
    parameters = tuple(_parameter(spec, p) for p in named.values())
    body_schema = _json_schema(_resolve(spec, op.get("requestBody", {})))
    answers, problems = [], []
    for status, answer in sorted((str(s), a) for s, a in op.get("responses", {}).items()):
        answer = _resolve(spec, answer)
        if status.isdigit() and int(status) >= 400:
            problems.append((int(status), _phrase(int(status), answer)))
            continue
        schema = _json_schema(answer)
        answers.append(Answer(
            status, answer.get("description", ""),
            kind=_kind(spec, schema) if schema else "",
            fields=tuple(fields_of(spec, schema)) if schema else (),
            headers=tuple(answer.get("headers", {})),
        ))  # fmt: skip
    return Operation(
        method=method.upper(), path=path, summary=op.get("summary", ""),
        description=op.get("description", ""), anchor=f"{method}-{_slug(path)}",
        parameters=parameters, body_kind=_kind(spec, body_schema) if body_schema else "",
        body=tuple(fields_of(spec, body_schema)) if body_schema else (),
        answers=tuple(answers), problems=tuple(problems), public=op.get("security") == [],
    )  # fmt: skip


def _parameter(spec: Spec, parameter: Spec) -> Parameter:
    schema = _resolve(spec, parameter.get("schema", {}))
    return Parameter(
        name=parameter["name"], location=parameter["in"], kind=_kind(spec, schema),
        required=bool(parameter.get("required")), enum=_enum(schema),
        description=parameter.get("description") or schema.get("description", ""),
        limits=_limits(schema),
    )  # fmt: skip


def fields_of(spec: Spec, schema: Spec, prefix: str = "", depth: int = 0,
              seen: frozenset[str] = frozenset()) -> list[Field]:  # fmt: skip
    """The fields of an object schema (or of an array's items), nested ones by their path:
    ``breaks[].start``. A schema met again inside itself is named, not unfolded."""
    ref = _ref_of(schema)
    if ref in seen or depth > MAX_DEPTH:
        return []
    seen = seen | {ref} if ref else seen
    schema = _merged(spec, _resolve(spec, schema))
    if schema.get("type") == "array":
        return fields_of(spec, schema.get("items", {}), prefix + "[]", depth, seen)
    required = set(schema.get("required", []))
    found = []
    for name, child in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        plain = _merged(spec, _resolve(spec, child))
        found.append(Field(
            name=path, kind=_kind(spec, child), required=name in required,
            nullable=bool(plain.get("nullable")), enum=_enum(plain),
            description=plain.get("description", ""), limits=_limits(plain),
        ))  # fmt: skip
        found += fields_of(spec, child, path, depth + 1, seen)
    return found


def _kind(spec: Spec, schema: Spec) -> str:
    """A schema's type as a reader wants it: ``Event``, ``array of Slot``, ``string (date)``."""
    if ref := _ref_of(schema):
        return ref.rsplit("/", 1)[-1]
    schema = _merged(spec, schema)
    if choices := schema.get("oneOf") or schema.get("anyOf"):
        return " | ".join(_kind(spec, choice) for choice in choices)
    kind = str(schema.get("type") or ("object" if "properties" in schema else "any"))
    if kind == "array":
        return f"array of {_kind(spec, schema.get('items', {}))}"
    return f"{kind} ({schema['format']})" if schema.get("format") else kind


def _enum(schema: Spec) -> tuple[str, ...]:
    values = schema.get("enum") or schema.get("items", {}).get("enum") or ()
    return tuple(json.dumps(value) if value in (None, "") else str(value) for value in values)


def _limits(schema: Spec) -> tuple[tuple[str, str], ...]:
    words = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "default")
    return tuple((word, _shown(schema[word])) for word in words
                 if word in schema and schema[word] is not None)  # fmt: skip


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ref_of(schema: Spec) -> str:
    """The component a schema names: itself, or as the only part of an ``allOf`` (how a
    nested schema that may be null is written in OpenAPI 3.0)."""
    parts = schema.get("allOf", [])
    if len(parts) == 1 and isinstance(parts[0], dict) and "$ref" in parts[0]:
        return str(parts[0]["$ref"])
    return str(schema.get("$ref", ""))


def _merged(spec: Spec, schema: Spec) -> Spec:
    """``allOf`` folded into one schema (properties and required lists joined)."""
    if "allOf" not in schema:
        return schema
    merged: Spec = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema["allOf"]:
        part = _merged(spec, _resolve(spec, part))
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _json_schema(holder: Spec) -> Spec:
    """The schema of a request body or answer: its JSON content's (or any content's)."""
    content = holder.get("content", {})
    media: Any = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema", {}) if isinstance(media, dict) else {}


def _resolve(spec: Spec, node: Spec) -> Spec:
    """``{"$ref": "#/components/..."}`` replaced by what it names (after chains of refs)."""
    hops = 0
    while isinstance(node, dict) and "$ref" in node and hops < 10:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node, hops = target, hops + 1
    return node if isinstance(node, dict) else {}


def _phrase(status: int, answer: Spec) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return str(answer.get("description", ""))


def _slug(path: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in path.removeprefix(PREFIX)).strip("-")
