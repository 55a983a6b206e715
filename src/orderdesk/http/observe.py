"""One record of every request: its id, where it went, how it ended and how long it took.

The outermost middleware. It gives each request its id (the caller's ``X-Request-ID``
when that is a short plain token, else a new one), keeps it where error bodies and
audit records find it (``problems.request_id``), returns it in ``X-Request-ID``, and
once the answer is sent hands a :class:`Finished` to each observer: the log line, the
metrics. A request is named by its route's template (``/v1/orders/{order_id}``), never
by its path, whose values may be patient data.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.http.allow import is_fallback

HEADER = "X-Request-ID"
_HEADER = HEADER.lower().encode()
#: A request id a caller may choose: what fits the audit record's column, nothing that
#: could smuggle a line break or markup into a log.
_SENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
#: The route of a request no route matched (a 404, a 405): one label, whatever the path.
UNMATCHED = "unmatched"

_current_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served here, for error bodies and log lines."""
    return _current_id.get()


@dataclass(frozen=True, slots=True)
class Finished:
    """What is known of a request once it has been answered."""

    request_id: str
    method: str
    surface: str
    route: str
    status: int
    seconds: float
    tenant_id: int | None
    principal: str | None  # "credential:<id>", or None when no credential was accepted


Observer = Callable[[Finished], None]


def sent_or_new_id(sent: str | None) -> str:
    """The caller's request id when it is a plain token, else a new one."""
    if sent is not None and _SENT_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


class ObserveMiddleware:
    """Names each request, answers its id, and tells the observers how it ended."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        surfaces: Mapping[str, str],
        default_surface: str,
        observers: Iterable[Observer],
    ) -> None:
        self.app = app
        # Longest base path first, so /compat/x/v1 wins over a shorter base it starts with.
        self.surfaces = sorted(surfaces.items(), key=lambda item: -len(item[0]))
        self.default_surface = default_surface
        self.observers = tuple(observers)

    def _base_and_surface(self, path: str) -> tuple[str, str]:
        for base, surface in self.surfaces:
            if path == base or path.startswith(base + "/"):
                return base, surface
        return "", self.default_surface

    @staticmethod
    def route_of(scope: Scope, base: str) -> str:
        """The template of the route that answered, from the root (a surface's router
        may name it from its base path), or ``unmatched``."""
        route = scope.get("route")
        if route is None or is_fallback(route.endpoint):
            return UNMATCHED
        template: str = route.path
        return template if template.startswith(base + "/") else base + template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = next((v for k, v in scope["headers"] if k == _HEADER), None)
        request_id = sent_or_new_id(sent.decode("latin-1") if sent is not None else None)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = _current_id.set(request_id)
        status = 500  # what the server answers if the app fails before it starts an answer

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k != _HEADER]
                headers.append((_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            self._tell(scope, request_id, status, time.perf_counter() - started)
            _current_id.reset(token)

    def _tell(self, scope: Scope, request_id: str, status: int, seconds: float) -> None:
        base, surface = self._base_and_surface(scope["path"])
        principal = scope.get("state", {}).get("principal")
        credential = getattr(principal, "credential_id", None)
        finished = Finished(
            request_id=request_id,
            method=scope["method"],
            surface=surface,
            route=self.route_of(scope, base),
            status=status,
            seconds=seconds,
            tenant_id=getattr(principal, "tenant_id", None),
            principal=f"credential:{credential}" if credential is not None else None,
        )
        for observer in self.observers:
            observer(finished)
