"""What every compatibility adapter shares: vendor-shaped errors and key resolution."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from orderdesk.api.problems import AnsweredError, field_errors
from orderdesk.errors import Conflict, OrderdeskError, Unauthorized, ValidationFailed
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.service import authenticate

ErrorRenderer = Callable[[OrderdeskError, Request], Response]


def as_orderdesk_error(exc: Exception) -> OrderdeskError | None:
    """The core error an exception means, or None if it is not one we answer on purpose."""
    if isinstance(exc, OrderdeskError):
        return exc
    if isinstance(exc, RequestValidationError):
        return ValidationFailed("the request has invalid fields", errors=field_errors(exc))
    if isinstance(exc, StaleDataError):
        return Conflict("the order changed concurrently; read it and retry")
    if isinstance(exc, IntegrityError):
        return Conflict("the change conflicts with stored data")
    return None


def vendor_errors(render: ErrorRenderer) -> type[APIRoute]:
    """A route class that answers every error in the vendor's own shape."""

    class VendorRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def answer(request: Request) -> Response:
                try:
                    return await handler(request)
                except Exception as exc:
                    error = as_orderdesk_error(exc)
                    if error is None:
                        raise
                    # Raised, not returned: the request's session must see the error
                    # and roll back what the route wrote before it failed.
                    raise AnsweredError(render(error, request)) from exc

            return answer

    return VendorRoute


async def authenticated(
    session: AsyncSession, key: str | None, *, how: str, client: str | None = None
) -> Principal:
    """Resolve an adapter's credential with the same rules as the native API."""
    if not key:
        raise Unauthorized(f"send the API key as {how}")
    principal = await authenticate(session, key)
    return principal.with_client(client)
