"""ASGI middleware: body size bound, form bodies as JSON, XML responses on request."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderdesk.errors import (
    NotAcceptable,
    OrderdeskError,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
)
from orderdesk.http.content import negotiate, parse_form, to_xml
from orderdesk.http.inputs import json_body_error
from orderdesk.http.problems import problem_response

FORM = "application/x-www-form-urlencoded"
#: The body formats every route takes (a form reaches the route as the JSON it spells).
BODY_TYPES = ("application/json", FORM)


#: Where the body middleware leaves an error for the route to raise (``request.state``).
BODY_ERROR = "body_error"


class BodyMiddleware:
    """Reads the body once and turns forms into JSON; refuses what it cannot take.

    Form bodies, flat or with bracket notation, reach every route as the JSON
    document they spell, so one set of schemas validates both. A body it cannot
    take (too large, not all sent within ``timeout`` seconds, of a media type no
    route takes, a malformed form, JSON nested too deeply or holding text that cannot
    be stored: see ``inputs``) is not answered here: the request goes on with an
    empty body and the error in ``request.state``, and ``refuse_unread_body``
    raises it inside the route, so each surface answers it in its own error shape.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.timeout):
                body = await self._read(scope, receive)
        except TimeoutError:
            await self._refuse(scope, receive, send, RequestTimeout(self._late()))
            return
        except OrderdeskError as error:
            scope.setdefault("state", {})[BODY_ERROR] = error
            body = b""

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def _late(self) -> str:
        return f"the body did not arrive within {self.timeout:g} seconds"

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, error: RequestTimeout
    ) -> None:
        """Answer through the route, then close: the rest of the body may still come."""
        scope.setdefault("state", {})[BODY_ERROR] = error

        async def nothing_more() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                headers["connection"] = "close"
                message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, nothing_more, closing)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        headers = Headers(scope=scope)
        too_large = PayloadTooLarge(f"the body may be at most {self.max_bytes} bytes")
        try:
            declared = int(headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_bytes:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if body and media and media not in BODY_TYPES and not media.endswith("+json"):
            raise UnsupportedMediaType(
                f"bodies are {' or '.join(BODY_TYPES)}; {media!r} is not taken here"
            )
        if media == FORM:
            body = json.dumps(parse_form(body)).encode()
            mutable = MutableHeaders(scope=scope)
            mutable["content-type"] = "application/json"
            mutable["content-length"] = str(len(body))
            media = "application/json"
        if body and _read_as_json(media):
            error = json_body_error(body)  # before anything parses or recurses over it
            if error is not None:
                raise error
        return body


def _read_as_json(media: str) -> bool:
    """Whether the routes read a body of this media type as JSON (FastAPI's rule)."""
    return media in ("", "application/json") or (
        media.startswith("application/") and media.endswith("+json")
    )


def refuse_unread_body(request: Request) -> None:
    """Raise, inside the route, the error the body middleware met (an app-wide dependency)."""
    error = request.scope.get("state", {}).get(BODY_ERROR)
    if error is not None:
        raise error


#: What the native API answers in, JSON first (problems as their ``problem+`` forms).
NATIVE_MEDIA = ("application/json", "application/xml", "text/xml")


class XMLMiddleware:
    """Renders the JSON answers of ``prefix`` routes as XML when ``Accept`` asks for it."""

    def __init__(self, app: ASGIApp, *, prefix: str = "/v1") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        media = negotiate(Headers(scope=scope).get("accept"), NATIVE_MEDIA)
        if media is None:
            offered = ", ".join(NATIVE_MEDIA)
            error = NotAcceptable(f"this API answers {offered}; the Accept header allows none")
            await problem_response(error, scope["path"])(scope, receive, send)
            return
        if media == "application/json":
            # The JSON answer depends on Accept too: say so, or a cache may hand it
            # to a client that asked for XML.
            async def send_varying(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(raw=list(message.get("headers", [])))
                    headers.append("vary", "Accept")
                    message = {**message, "headers": headers.raw}
                await send(message)

            await self.app(scope, receive, send_varying)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await send_converted(b"".join(chunks))

        async def send_converted(body: bytes) -> None:
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            media = headers.get("content-type", "").split(";")[0].strip()
            if media in ("application/json", "application/problem+json") and body:
                root = "problem" if media == "application/problem+json" else "response"
                body = to_xml(json.loads(body), root)
                headers["content-type"] = (
                    "application/problem+xml" if root == "problem" else "application/xml"
                )
                headers["content-length"] = str(len(body))
            headers.append("vary", "Accept")
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, capture)
