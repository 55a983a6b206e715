"""Request-scoped dependencies: the session (committed in one place) and the principal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db import session_scope
from orderdesk.errors import Unauthorized
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.service import authenticate


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with session_scope(request.app.state.sessionmaker) as session:
        yield session


# scope="function": commit (or roll back) before the response is sent, so a
# client never sees a success that was not stored.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <API key>`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key")


async def _principal(
    session: SessionDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    key = bearer.credentials if bearer else api_key
    if not key:
        raise Unauthorized("send the API key as `Authorization: Bearer <key>` or `X-API-Key`")
    return await authenticate(session, key)


PrincipalDep = Annotated[Principal, Depends(_principal, scope="function")]
