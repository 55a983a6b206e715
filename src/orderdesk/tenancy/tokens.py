"""OAuth2 access tokens (RFC 6749 §4.4 client credentials, RFC 9068 JWTs).

Not yet issued: every token is refused until the token endpoint lands.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.config import Settings
from orderdesk.errors import Unauthorized
from orderdesk.tenancy.principal import Principal


async def principal_from_token(
    session: AsyncSession, token: str, *, settings: Settings
) -> Principal:
    """The principal an access token speaks for, or 401."""
    raise Unauthorized("the API key is unknown, revoked or expired")
