"""The route class every router uses: one unit of work per request, errors in the surface's shape.

A request's life on any surface (native or compatibility):

1. ``EdgeRoute`` opens the request's session (``unit_of_work.SessionDep`` hands it to
   dependencies and handlers): read-only for GET, HEAD and OPTIONS, so on SQLite a
   read never waits for a writer, else a write unit that waits its turn;
2. the handler runs and its response is produced (serialised, headers set); or, for a
   retried write whose ``Idempotency-Key`` has a kept answer, that answer is replayed
   and the handler does not run (``idempotency``);
3. every before-commit hook registered on the app runs with the request, that response
   and the session, so what it writes (idempotency records, audit rows) commits with
   the work or not at all;
4. the session commits, the only commit of the request; only then is the response sent.

Any error, at any step, rolls the whole transaction back and is answered by the
surface's renderer, in that surface's own error shape. An unexpected exception is a
500 in that shape too, carrying the request id that the log line names. Before the
answer, every refusal hook runs in a unit of work of its own (the request's has
rolled back): the audit trail records refused attempts there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException

from orderdesk.db import session_scope
from orderdesk.errors import Conflict, OrderdeskError, ValidationFailed, error_for_status
from orderdesk.http.openapi import ErrorDocs
from orderdesk.http.problems import PROBLEM_DOCS, field_errors, renderers, unexpected
from orderdesk.http.ratelimit import answer_headers

#: The detail of every refusal by the request's own validation (its documented schemas).
INVALID_FIELDS = "the request has invalid fields"

#: Methods that never write: their transaction is read-only.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ErrorRenderer = Callable[[OrderdeskError, Request], Response]
#: Runs after the handler produced its response, before the request's single commit.
BeforeCommit = Callable[[Request, Response, AsyncSession], Awaitable[None]]
#: Runs after an error rolled the request's work back, in a unit of work of its own.
OnRefusal = Callable[[Request, OrderdeskError, AsyncSession], Awaitable[None]]


class Answered(Exception):  # not an error: an answer found before the handler runs
    """Raised by a dependency that already has the request's answer (a replayed retry):
    the handler does not run, the before-commit hooks see ``response``, nothing else is
    written."""

    def __init__(self, response: Response) -> None:
        super().__init__("answered before the handler")
        self.response = response


@dataclass(frozen=True)
class Surface:
    """One API the service speaks: its name (for logs), how it renders and documents an error."""

    name: str
    render_error: ErrorRenderer
    error_docs: ErrorDocs = field(default=PROBLEM_DOCS)


def as_orderdesk_error(exc: Exception) -> OrderdeskError | None:
    """The core error an exception means, or None if it is not one we answer on purpose."""
    if isinstance(exc, OrderdeskError):
        return exc
    if isinstance(exc, RequestValidationError):
        return ValidationFailed(INVALID_FIELDS, errors=field_errors(exc))
    if isinstance(exc, StaleDataError):
        return Conflict("the object changed concurrently; read it and retry")
    if isinstance(exc, IntegrityError):
        return Conflict("the change conflicts with stored data")
    if isinstance(exc, HTTPException):
        return error_for_status(exc.status_code, str(exc.detail))
    return None


def before_commit_hooks(app: FastAPI) -> list[BeforeCommit]:
    """The app's hooks, in the order they run (register with ``.append``)."""
    hooks: list[BeforeCommit] = app.state.__dict__.setdefault("before_commit", [])
    return hooks


def refusal_hooks(app: FastAPI) -> list[OnRefusal]:
    """The app's refusal hooks, in the order they run (register with ``.append``)."""
    hooks: list[OnRefusal] = app.state.__dict__.setdefault("on_refusal", [])
    return hooks


async def _after_refusal(request: Request, error: OrderdeskError) -> None:
    """Run the refusal hooks; if they fail, the refusal is answered all the same (and
    the failure logged without a value from it)."""
    hooks = refusal_hooks(request.app)
    if not hooks:
        return
    try:
        async with session_scope(request.app.state.sessionmaker) as session:
            for hook in hooks:
                await hook(request, error, session)
    except Exception as exc:
        unexpected(exc, request)


def edge_route(surface: Surface) -> type[APIRoute]:
    """The route class of ``surface``'s routers."""

    class EdgeRoute(APIRoute):
        error_docs = surface.error_docs  # read by ``openapi.finish``
        surface_name = surface.name  # read by the audit hooks
        render_error = staticmethod(surface.render_error)  # read by ``include_surface``

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                factory = request.app.state.sessionmaker
                write = request.method not in SAFE_METHODS
                try:
                    async with session_scope(factory, write=write) as session:
                        request.state.session = session
                        try:
                            response = await handler(request)
                        except Answered as answered:  # a retry: its key's kept answer, say
                            response = answered.response
                        for hook in before_commit_hooks(request.app):
                            await hook(request, response, session)
                except Exception as exc:
                    # The session has rolled back; only now is the error answered.
                    error = as_orderdesk_error(exc) or unexpected(exc, request)
                    await _after_refusal(request, error)
                    response = surface.render_error(error, request)
                    response.headers.update(answer_headers(request, error))
                    return response
                finally:
                    request.state.session = None
                response.headers.update(answer_headers(request))
                return response

            return handle

    EdgeRoute.__name__ = EdgeRoute.__qualname__ = f"EdgeRoute[{surface.name}]"
    return EdgeRoute


def include_surface(app: FastAPI, router: APIRouter, *, prefix: str) -> None:
    """Mount a surface's router at ``prefix``; what no route under it answers (an unknown
    path or method) is answered in that surface's shape too."""
    app.include_router(router, prefix=prefix)
    renderers(app)[prefix] = router.route_class.render_error  # type: ignore[attr-defined]


def surface_router(surface: Surface, **kwargs: Any) -> APIRouter:
    """An ``APIRouter`` whose every route runs through the edge as ``surface``."""
    return APIRouter(route_class=edge_route(surface), **kwargs)
