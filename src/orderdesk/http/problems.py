"""RFC 9457 problem documents for every error, from one exception hierarchy."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException

from orderdesk.errors import (
    FieldError,
    InternalError,
    OrderdeskError,
    Unauthorized,
    error_for_status,
)
from orderdesk.http.observe import current_request_id
from orderdesk.http.openapi import ErrorDocs

log = logging.getLogger("orderdesk")

PROBLEM = "application/problem+json"


class ProblemFieldError(BaseModel):
    """One offending part of the request (``FieldError.as_dict``): a body pointer or a parameter."""

    detail: str
    pointer: str | SkipJsonSchema[None] = Field(
        default=None, description="JSON Pointer into the request body"
    )
    parameter: str | SkipJsonSchema[None] = Field(
        default=None, description="A query, path or header parameter"
    )


class Problem(BaseModel):
    """An RFC 9457 problem document (``problem_body``); some carry extension members."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`urn:orderdesk:problem:<code>`")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The request's path")
    errors: list[ProblemFieldError] | SkipJsonSchema[None] = Field(
        default=None, description="Each offending field or parameter"
    )
    request_id: str | SkipJsonSchema[None] = Field(
        default=None,
        description="The request's id, as its `X-Request-ID` header, log line and audit "
        "records give it: quote it when reporting a problem",
    )


#: How the document shows problem documents (the XML middleware adds their XML form).
PROBLEM_DOCS = ErrorDocs(model=Problem, media_types=(PROBLEM,))


def problem_body(error: OrderdeskError, instance: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:orderdesk:problem:{error.code}",
        "title": error.title,
        "status": error.status,
        "detail": error.detail or error.title,
        "instance": instance,
    }
    if error.errors:
        body["errors"] = [e.as_dict() for e in error.errors]
    ident = current_request_id()
    if ident is not None:
        body["request_id"] = ident
    body.update(error.extra)
    return body


def problem_response(error: OrderdeskError, instance: str) -> JSONResponse:
    headers = {}
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="orderdesk"'
    return JSONResponse(
        problem_body(error, instance), status_code=error.status, media_type=PROBLEM, headers=headers
    )


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    """Pydantic's error locations as JSON Pointers (body) or parameter names."""
    out = []
    for err in exc.errors():
        where, *path = err["loc"] or ("body",)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field; it is not part of this resource or is set by the server"
        if where == "body":
            pointer = "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)
            if err["type"] == "json_invalid":
                pointer = ""
                message = f"the body is not valid JSON: {err.get('ctx', {}).get('error', '')}"
            out.append(FieldError(message, pointer=pointer))
        else:
            out.append(FieldError(message, parameter=".".join(str(p) for p in path)))
    return out


def request_id(request: Request) -> str:
    """The id that names this request in its log lines and error bodies."""
    state = request.scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = uuid.uuid4().hex
    return str(state["request_id"])


def unexpected(exc: BaseException, request: Request) -> InternalError:
    """Log an exception nobody answers on purpose, without a value from it, and say so.

    Only the exception's type and where it was raised are logged: its message may
    carry field values or SQL parameters (patient data).
    """
    ident = request_id(request)
    frames = "; ".join(
        f"{frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
    )
    log.error(
        "request %s %s %s failed: %s at %s",
        ident,
        request.method,
        request.url.path,
        type(exc).__qualname__,
        frames,
    )
    return InternalError(
        f"an unexpected error; quote request id {ident} when reporting it",
        extra={"request_id": ident},
    )


def render_problem(error: OrderdeskError, request: Request) -> Response:
    """The native surface's error renderer (the XML middleware turns it into XML on request)."""
    return problem_response(error, request.url.path)


def renderers(app: FastAPI) -> dict[str, Callable[[OrderdeskError, Request], Response]]:
    """Each surface's error renderer by its base path, for what no route of it answers."""
    found: dict[str, Callable[[OrderdeskError, Request], Response]]
    found = app.state.__dict__.setdefault("error_renderers", {})
    return found


def _render(error: OrderdeskError, request: Request) -> Response:
    """``error`` in the shape of the surface whose base path the request is under."""
    path = request.url.path
    by_base = renderers(request.app)
    base = max((b for b in by_base if path == b or path.startswith(b + "/")), key=len, default=None)
    return by_base[base](error, request) if base is not None else render_problem(error, request)


def install(app: FastAPI) -> None:
    """Errors no route answers (unknown paths and methods, crashes outside a route), in the
    shape of the surface the path is under (``renderers``), else as problem documents."""

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        response = _render(error_for_status(exc.status_code, str(exc.detail)), request)
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return _render(unexpected(exc, request), request)
