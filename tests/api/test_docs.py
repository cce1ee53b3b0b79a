"""The API's documentation page: public, written from the app's own spec, no script or CDN."""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from matchmaker.api import api
from matchmaker.api.docs import METHODS, fields_of, operations_by_tag

DOCS = "/api/v1/docs"


def spec_of(app: Flask) -> dict[str, Any]:
    with app.app_context():
        return api.spec.to_dict()


def articles(page: str) -> dict[str, str]:
    """Each operation's part of the page, by its anchor."""
    found = re.findall(r'<article class="card api-op" id="([^"]+)">(.*?)</article>', page, re.S)
    return dict(found)


def test_the_page_is_public_plain_html(app: Flask, client: FlaskClient) -> None:
    response = client.get(DOCS)
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "<script" not in page.lower()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    # Everything it loads or links is on this site (no CDN).
    for url in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert not re.match(r"(?:https?:)?//", url), url
    assert 'href="/api/v1/openapi.json"' in page
    assert client.get("/api/v1/openapi.json").status_code == 200  # and the spec is public too
    for words in ("Authorization: Bearer", "application/problem+json", "next_cursor",
                  "If-Match", "Idempotency-Key", "Retry-After", "Matchmaker-Signature"):  # fmt: skip
        assert words in html.unescape(page), words


def test_every_operation_of_the_spec_is_on_the_page(app: Flask, client: FlaskClient) -> None:
    spec = spec_of(app)
    page = client.get(DOCS).get_data(as_text=True)
    parts = articles(page)
    expected = 0
    for path, item in spec["paths"].items():
        for method in (m for m in METHODS if m in item):
            expected += 1
            operation = item[method]
            anchor = next(op.anchor for tag in operations_by_tag(spec) for op in tag.operations
                          if (op.method, op.path) == (method.upper(), path))  # fmt: skip
            assert anchor in parts, f"{method.upper()} {path} is not on the page"
            part = parts[anchor]
            assert f"{method.upper()}</span> <code>{path}</code>" in part
            assert str(escape(operation.get("summary", ""))) in part
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                name = parameter.get("name") or parameter["$ref"].rsplit("/", 1)[-1]
                if "$ref" in parameter:
                    name = spec["components"]["parameters"][name]["name"]
                assert f"<code>{name}</code>" in part, (path, name)
            for status in operation["responses"]:
                assert str(status) in part, (path, status)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for field in fields_of(spec, body["schema"]):
                    assert f"<code>{escape(field.name)}</code>" in part, (path, field.name)
    assert expected >= 2 and len(parts) == expected  # nothing listed twice or made up


def test_answer_fields_are_unfolded_from_the_components(app: Flask, client: FlaskClient) -> None:
    part = articles(client.get(DOCS).get_data(as_text=True))["get-events"]
    for name in ("items", "items[].id", "items[].slots[].start", "items[].breaks[].label",
                 "next_cursor"):  # fmt: skip
        assert f"<code>{name}</code>" in part, name
    assert "array of Event" in part and "string (date-time)" in part
    assert "401 Unauthorized" in part and "429 Too Many Requests" in part
    assert "máximo 500" in part  # the limit's documented bounds


def test_the_page_speaks_the_language_asked_for(client: FlaskClient) -> None:
    assert '<html lang="es">' in client.get(DOCS).get_data(as_text=True)
    assert '<html lang="en">' in client.get(f"{DOCS}?lang=en").get_data(as_text=True)
    asked = client.get(DOCS, headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    assert '<html lang="pt">' in asked.get_data(as_text=True)


def test_the_signature_example_verifies_what_the_header_format_says(
    client: FlaskClient,
) -> None:
    page = client.get(DOCS).get_data(as_text=True)
    code = re.search(r'<pre class="report" id="verify-example">(.*?)</pre>', page, re.S)
    assert code
    namespace: dict[str, Any] = {}
    exec(html.unescape(code.group(1)), namespace)  # the reader's copy, run as they would
    verify = namespace["verify"]
    secret, body, now = "whsec_test", b'{"type": "meeting.booked", "data": {}}', int(time.time())

    def header(t: int, payload: bytes = body) -> str:
        mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256)
        return f"t={t},v1={mac.hexdigest()}"

    assert verify(secret, header(now), body)
    assert not verify(secret, header(now), body + b" ")
    assert not verify("another", header(now), body)
    assert not verify(secret, header(now - 301), body)  # older than five minutes
    assert not verify(secret, "v1=abc", body) and not verify(secret, "", body)


# The walk over the spec, on a spec written by hand (no app) ---------------------------------


SPEC: dict[str, Any] = {
    "components": {"schemas": {
        "Node": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": "integer", "minimum": 1},
            "kind": {"type": "string", "enum": ["a", "b", None], "nullable": True},
            "parent": {"allOf": [{"$ref": "#/components/schemas/Node"}], "nullable": True},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}},
            "at": {"oneOf": [{"type": "string", "format": "date"}, {"type": "integer"}]},
        }},
    }},
}  # fmt: skip


def test_fields_resolve_references_and_stop_at_cycles() -> None:
    fields = {f.name: f for f in fields_of(SPEC, {"$ref": "#/components/schemas/Node"})}
    # Node inside Node is named, not unfolded again.
    assert list(fields) == ["id", "kind", "parent", "children", "tags", "at"]
    assert fields["id"].required and fields["id"].limits == (("minimum", "1"),)
    assert fields["kind"].enum == ("a", "b", "null") and fields["kind"].nullable
    assert fields["parent"].kind == "Node" and fields["parent"].nullable
    assert fields["children"].kind == "array of Node"
    assert fields["tags"].kind == "array of string" and not fields["tags"].required
    assert fields["at"].kind == "string (date) | integer"
    listed = {"type": "array", "items": {"type": "object", "properties": {
        "node": {"$ref": "#/components/schemas/Node"}}}}  # fmt: skip
    nested = [f.name for f in fields_of(SPEC, listed)]
    assert nested[:3] == ["[].node", "[].node.id", "[].node.kind"]
