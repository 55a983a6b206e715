"""``OPTIONS`` and ``405``: every method of every route at the path, in ``Allow``.

The router answers a method it has no route for with the ``Allow`` of the first route
whose path matched, which misses the other routes at the same path; and it has no
``OPTIONS`` at all. This middleware answers ``OPTIONS`` on a known path (``204``) and
completes the ``Allow`` of any ``405``, from all the app's routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi.routing import iter_route_contexts
from starlette.datastructures import MutableHeaders
from starlette.routing import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

F = TypeVar("F", bound=Callable[..., Any])

_FALLBACKS: set[Callable[..., Any]] = set()


def fallback(endpoint: F) -> F:
    """Mark a catch-all endpoint (a vendor's own 404/405): it names no path's methods."""
    _FALLBACKS.add(endpoint)
    return endpoint


def is_fallback(endpoint: object) -> bool:
    """Whether ``endpoint`` is a catch-all (``fallback``): the path matched no route."""
    return endpoint in _FALLBACKS


def allowed_methods(scope: Scope) -> list[str]:
    """The methods the app answers at the request's path, ``OPTIONS`` included; [] if none."""
    path = get_route_path(scope)
    methods: set[str] = set()
    for route in iter_route_contexts(scope["app"].routes):
        regex = getattr(route, "path_regex", None)
        endpoint = getattr(route.original_route, "endpoint", None)
        if endpoint in _FALLBACKS or regex is None or not regex.match(path):
            continue
        methods |= route.methods or set()
    return sorted(methods | {"OPTIONS"}) if methods else []


class AllowMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and (allowed := allowed_methods(scope)):
            headers = [(b"allow", ", ".join(allowed).encode()), (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                if allowed := allowed_methods(scope):
                    headers["allow"] = ", ".join(allowed)
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, send_allow)
