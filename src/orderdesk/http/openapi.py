"""The OpenAPI document as the edge really answers: each surface's errors, media types, headers.

FastAPI documents what a handler returns; what the edge adds around it is filled in
here, once the document is generated (``install``), from facts about each operation:

- its errors, in its surface's error shape (``ErrorDocs``): 401, 403 and 429 (with
  ``Retry-After``, ``RateLimit`` and ``RateLimit-Policy``) where a key is required, 404
  where the path names an object, 400/408/409/413/415 on methods that take a body, 400
  where a cursor (``cursor``, ``after``) is read, 412 where ``If-Match`` is read (428
  where a setting can make it required), 422 on every operation (the edge checks the
  text of every parameter and header); FastAPI's own ``HTTPValidationError`` 422 is
  dropped, it is never answered;
- the ``Idempotency-Key`` header on every native write that takes a key;
- ``WWW-Authenticate`` on every 401;
- the form bodies the body middleware turns into JSON, beside each JSON body;
- under the negotiated prefix, the XML answers (and 406) of the XML middleware;
- optional headers a dependency checks itself when sent (``CHECKED``): their 400.

Response headers a handler sets (``ETag``, ``Location``) are declared on the route
with ``sends``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from starlette.routing import BaseRoute

FORM = "application/x-www-form-urlencoded"
XML = "application/xml"
#: Methods whose body the body middleware reads (and may refuse).
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: A header parameter's schema key: optional, but a dependency checks it when sent (a 400).
CHECKED = "x-orderdesk-checked"
#: The query parameters that take a cursor this API gave out (a 400 when it did not).
CURSORS = frozenset({"cursor", "after"})
#: Every write with a key may carry one (``http.idempotency``); documented on the native API.
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Any unique string (a UUID): a retry with the same key and the same request "
    "gets the first answer again, with `Idempotent-Replayed: true`, and does nothing twice. "
    "The same key with another request is a 422; while the first is still running, a 409. "
    "Kept for `ORDERDESK_IDEMPOTENCY_KEY_TTL` seconds (24 hours)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
#: A header parameter's schema key: a setting can make it required (a 428 when missing).
REQUIRABLE = "x-orderdesk-requirable"

_REF = "#/components/schemas/{model}"

#: What each status means, unless the surface says it in its own words.
DESCRIPTIONS = {
    400: "Malformed request: a form body that cannot be parsed, a missing header, a cursor "
    "this list did not give out",
    401: "No usable API key",
    403: "The key's role may not do this",
    404: "No such object in the key's scope",
    406: "The Accept header allows neither JSON nor XML",
    408: "The body did not arrive in time (`ORDERDESK_BODY_TIMEOUT`)",
    409: "The object's state does not allow it, or it changed concurrently",
    412: "If-Match names a version the object is no longer at",
    413: "The body is larger than the configured bound",
    415: "The body is neither JSON nor a form",
    422: "Invalid request; `errors` names each offending field or parameter",
    428: "If-Match is missing, and the server requires it (`ORDERDESK_REQUIRE_IF_MATCH`)",
    429: "A rate limit is used up: the credential's requests, or the client address's "
    "failed authentications; `Retry-After` says when to retry",
}

#: Response headers the handlers set, by name (see ``sends``).
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": 'The version, for `If-Match` (`"<version>"`)',
        "schema": {"type": "string"},
    },
    "Location": {"description": "Where the created object is read", "schema": {"type": "string"}},
    "WWW-Authenticate": {
        "description": "The credential form to send",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {"description": "How many match in all", "schema": {"type": "string"}},
    "Retry-After": {
        "description": "Seconds until the window frees a request",
        "schema": {"type": "string"},
    },
    "RateLimit": {
        "description": 'What remains of the limit and when it frees: `"default";r=0;t=<seconds>` '
        "(draft-ietf-httpapi-ratelimit-headers)",
        "schema": {"type": "string"},
    },
    "RateLimit-Policy": {
        "description": 'The limit: `"default";q=<requests>;w=<seconds>`',
        "schema": {"type": "string"},
    },
}

#: The headers every 429 carries.
TOO_MANY_HEADERS = ("Retry-After", "RateLimit", "RateLimit-Policy")


def sends(status: int, *headers: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose ``status`` answer always carries ``headers``."""
    return {status: {"headers": {name: {**HEADERS[name], "required": True} for name in headers}}}


@dataclass(frozen=True)
class ErrorDocs:
    """How the document shows one surface's errors."""

    #: The error body.
    model: type[BaseModel]
    #: Its media types.
    media_types: tuple[str, ...]
    #: The status an error of a core status answers with, where the surface folds some.
    folds: Mapping[int, int] = field(default_factory=dict)
    #: The surface's own words for a status (else ``DESCRIPTIONS``).
    descriptions: Mapping[int, str] = field(default_factory=dict)

    def describe(self, status: int) -> str:
        return self.descriptions.get(status) or DESCRIPTIONS.get(status, HTTPStatus(status).phrase)


def install(app: FastAPI, *, negotiated: str) -> None:
    """Finish ``app``'s document once generated; paths under ``negotiated`` also answer XML."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            finish(generate(), app.routes, negotiated=negotiated)  # generate() caches it
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def finish(document: dict[str, Any], routes: Iterable[BaseRoute], *, negotiated: str) -> None:
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for route in iter_route_contexts(list(routes)):  # included routers' routes, with prefixes
        docs: ErrorDocs | None = getattr(type(route.original_route), "error_docs", None)
        if docs is None or not route.include_in_schema:
            continue
        path = route.path_format or ""
        xml = path.startswith(negotiated)
        _register(components, docs.model)
        for method in route.methods or ():
            operation = document["paths"][path][method.lower()]
            _document(operation, method, docs, xml=xml)
    _exact_bounds(document)
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in _text(document["paths"]):
            components.pop(unused, None)


def _document(operation: dict[str, Any], method: str, docs: ErrorDocs, *, xml: bool) -> None:
    responses = operation.setdefault("responses", {})
    if "HTTPValidationError" in _text(responses.get("422", {})):
        del responses["422"]
    # Headers a dependency checks itself: a 400 in the surface's shape when wrong.
    checked = [p for p in operation.get("parameters", []) if _checked(p)]
    if xml and method in BODY_METHODS and operation.get("security"):
        operation.setdefault("parameters", []).append(dict(IDEMPOTENCY_KEY))
    body = operation.get("requestBody", {}).get("content", {})
    if "application/json" in body:
        body.setdefault(FORM, body["application/json"])
    if xml:
        for status, response in responses.items():
            if status.startswith("2") and "application/json" in response.get("content", {}):
                response["content"][XML] = {}
    media = docs.media_types + (("application/problem+xml",) if xml else ())
    statuses = _statuses(operation, method, xml=xml) | ({400} if checked else set())
    for status in sorted({docs.folds.get(s, s) for s in statuses}):
        error = responses.setdefault(str(status), {})
        error.setdefault("description", docs.describe(status))
        error["content"] = {m: _media(m, docs.model) for m in media}
        if status == 401:
            error.setdefault("headers", {})["WWW-Authenticate"] = HEADERS["WWW-Authenticate"]
        if status == 429:
            error.setdefault("headers", {}).update(
                {name: {**HEADERS[name], "required": True} for name in TOO_MANY_HEADERS}
            )


def _media(media_type: str, model: type[BaseModel]) -> dict[str, Any]:
    """The error body's schema; its XML form (``content.to_xml``) is not JSON Schema's to say."""
    if media_type.endswith("xml"):
        return {}
    return {"schema": {"$ref": _REF.format(model=model.__name__)}}


def _statuses(operation: dict[str, Any], method: str, *, xml: bool) -> set[int]:
    """The core statuses the edge and the services may answer this operation with."""
    parameters = operation.get("parameters", [])
    statuses = set()
    if operation.get("security"):
        statuses |= {401, 403, 429}
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if method in BODY_METHODS:
        statuses |= {400, 408, 409, 413, 415, 422}
    # The edge refuses text no field may hold in any parameter or header, on every route.
    statuses.add(422)
    if any(p["in"] == "query" and p["name"] in CURSORS for p in parameters):
        statuses.add(400)
    if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
        statuses.add(412)
    requirable = [p for p in parameters if p.get("schema", {}).pop(REQUIRABLE, False)]
    if requirable:
        statuses.add(428)
    if xml:
        statuses.add(406)
    return statuses


def _checked(parameter: dict[str, Any]) -> bool:
    """A ``CHECKED`` header: optional, its schema (what it must be when sent) without ``null``."""
    schema = parameter.get("schema", {})
    if not schema.pop(CHECKED, False):
        return False
    parameter["required"] = False
    _without_null(schema)
    return True


def _without_null(schema: dict[str, Any]) -> None:
    """A header is absent or a string: the ``null`` branch FastAPI adds says nothing."""
    for branch in schema.pop("anyOf", []):
        if branch.get("type") != "null":
            schema.update(branch)


def _register(components: dict[str, Any], model: type[BaseModel]) -> None:
    schema = model.model_json_schema(ref_template=_REF)
    components.update(schema.pop("$defs", {}))
    components.setdefault(model.__name__, schema)


#: FastAPI's document models hold bounds as floats: 2**63 - 1 comes out as 2**63.
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_INT64 = {float(2**63 - 1): 2**63 - 1, float(-(2**63)): -(2**63)}


def _exact_bounds(node: Any) -> None:
    """Integral bounds back to integers, the 64-bit ones exact (a client must not send 2**63)."""
    if isinstance(node, list):
        for item in node:
            _exact_bounds(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _BOUNDS and isinstance(value, float) and value.is_integer():
                node[key] = _INT64.get(value, int(value))
            else:
                _exact_bounds(value)


def _text(value: Any) -> str:
    return json.dumps(value)
