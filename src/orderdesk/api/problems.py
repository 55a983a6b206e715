"""RFC 9457 problem documents for every error, from one exception hierarchy."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from orderdesk.errors import Conflict, FieldError, OrderdeskError, Unauthorized, ValidationFailed

log = logging.getLogger("orderdesk")

PROBLEM = "application/problem+json"


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
    body.update(error.extra)
    return body


def problem_response(error: OrderdeskError, instance: str) -> JSONResponse:
    headers = {}
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="orderdesk"'
    return JSONResponse(
        problem_body(error, instance), status_code=error.status, media_type=PROBLEM, headers=headers
    )


class AnsweredError(Exception):
    """An error a surface has already rendered in its own shape (the compatibility APIs).

    It is raised, not returned, so that it leaves the route like any error: the
    request's transaction rolls back, and only then is ``response`` sent.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(f"answered with status {response.status_code}")
        self.response = response


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


def install(app: FastAPI) -> None:
    @app.exception_handler(AnsweredError)
    async def _answered(request: Request, exc: AnsweredError) -> Response:
        return exc.response

    @app.exception_handler(OrderdeskError)
    async def _domain(request: Request, exc: OrderdeskError) -> JSONResponse:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        error = ValidationFailed("the request has invalid fields", errors=field_errors(exc))
        return problem_response(error, request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        body = {
            "type": "about:blank",
            "title": str(exc.detail),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        }
        return JSONResponse(
            body, status_code=exc.status_code, media_type=PROBLEM, headers=exc.headers
        )

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        return problem_response(
            Conflict("the object changed concurrently; read it and retry"), request.url.path
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("integrity error: %s", exc.orig)
        return problem_response(Conflict("the change conflicts with stored data"), request.url.path)
