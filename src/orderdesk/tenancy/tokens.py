"""OAuth2 access tokens (RFC 6749 §4.4 client credentials, RFC 9068 JWT access tokens).

Every API key is an OAuth2 client: its prefix is the client id, the whole key the client
secret. A client trades them for a short-lived access token (``issue_token``), a JWT
signed with HS256 by one key (``signing_key``) and carrying:

- ``iss`` / ``aud``: ``ORDERDESK_TOKEN_ISSUER`` / ``ORDERDESK_TOKEN_AUDIENCE``;
- ``sub``: ``credential:<id>``; ``client_id``: the key's prefix; ``tenant``: its tenant;
- ``scope``: the scopes granted, space-separated (all the key's, or those requested);
- ``iat``, ``exp`` (``ORDERDESK_TOKEN_TTL`` later, never past the key's own expiry), ``jti``.

A token works only while its key does: each use loads the key within the token's tenant,
so a revoked or expired key's tokens stop at once, and grants at most the scopes the key
holds now (``principal_from_token``).
"""

from __future__ import annotations

import hmac
import re
import secrets
import weakref
from typing import Any, NamedTuple

import jwt
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.config import Settings
from orderdesk.db import utcnow
from orderdesk.errors import BadRequest, Unauthorized
from orderdesk.schemas import ID_MAX
from orderdesk.tenancy.models import Credential, SigningKey
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import Scope, loaded
from orderdesk.tenancy.scoping import find_in_tenant
from orderdesk.tenancy.service import credential_by_secret, first_or_made, note_use, principal_of

#: The one algorithm tokens are signed and checked with; a token naming another is refused.
ALGORITHM = "HS256"
#: ``signing_keys.purpose`` of the access-token key.
PURPOSE = "access-token"
#: The claims every token must carry.
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "tenant", "scope")
#: The only grant type the token endpoint knows.
CLIENT_CREDENTIALS = "client_credentials"

INVALID_TOKEN = "the access token is invalid; ask POST /oauth/token for a new one"
EXPIRED_TOKEN = "the access token has expired; ask POST /oauth/token for a new one"
DEAD_KEY = "the access token's API key is revoked or expired"

_SUBJECT = re.compile(r"credential:([1-9][0-9]{0,18})")


# --- the errors of RFC 6749 §5.2 (their ``code`` is the ``error`` the endpoint answers) ---


class InvalidRequest(BadRequest):
    code = "invalid_request"
    title = "Invalid token request"


class InvalidClient(Unauthorized):
    code = "invalid_client"
    title = "Client authentication failed"


class InvalidScope(BadRequest):
    code = "invalid_scope"
    title = "Invalid scope"


class UnsupportedGrantType(BadRequest):
    code = "unsupported_grant_type"
    title = "Unsupported grant type"


class IssuedToken(NamedTuple):
    """What the token endpoint answers (RFC 6749 §5.1)."""

    access_token: str
    expires_in: int
    scope: str


# --- the signing key ---------------------------------------------------------------------

#: Per engine (one database), the key read or made there: it never changes once made.
_keys: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def forget_signing_keys() -> None:
    """Drop this process's cached keys (the next use reads the database again)."""
    _keys.clear()


async def signing_key(
    session: AsyncSession, settings: Settings, *, make: bool = True
) -> str | None:
    """The key tokens are signed with: ``ORDERDESK_TOKEN_SIGNING_KEY``, else the one kept
    in ``signing_keys``, made by the first process that needs it (``make``; never in a
    read-only unit: without a key no token exists yet, so None says so).

    Two processes making it at once: the loser's insert fails on the unique purpose,
    rolls back to its savepoint (the request's transaction goes on) and reads the winner's.
    """
    if settings.token_signing_key is not None:
        return settings.token_signing_key.get_secret_value()
    engine = session.get_bind().engine
    cached = _keys.get(engine)
    if cached is not None:
        return cached
    find = select(SigningKey).where(SigningKey.purpose == PURPOSE)
    if make:

        async def create() -> SigningKey:
            row = SigningKey(purpose=PURPOSE, secret=secrets.token_urlsafe(48))
            session.add(row)
            await session.flush()
            return row

        row: SigningKey | None = await first_or_made(session, find, create)
    else:
        row = (await session.scalars(find)).one_or_none()
    if row is None:
        return None
    _keys[engine] = row.secret
    return row.secret


# --- issuing -----------------------------------------------------------------------------


async def authenticate_client(session: AsyncSession, client_id: str, secret: str) -> Credential:
    """The usable key whose prefix is ``client_id`` and whole text ``secret``, or
    ``invalid_client``."""
    refused = InvalidClient("the client id and secret name no usable API key")
    try:
        credential = await credential_by_secret(session, secret)
    except Unauthorized:
        raise refused from None
    if not hmac.compare_digest(credential.prefix.encode(), client_id.encode()):
        raise refused
    return credential


def granted_scopes(credential: Credential, requested: str | None) -> frozenset[Scope]:
    """The scopes a token of ``credential`` gets: those ``requested`` (space-separated,
    each held by the key), else every one the key holds."""
    held = loaded(credential.scopes)
    names = set((requested or "").split())
    if not names:
        return held
    unknown = sorted(names - {s.value for s in Scope})
    if unknown:
        raise InvalidScope(f"unknown scope {', '.join(unknown)}")
    chosen = frozenset(Scope(n) for n in names)
    missing = sorted(chosen - held)
    if missing:
        raise InvalidScope(f"the API key does not hold the scope {', '.join(missing)}")
    return chosen


def scope_text(scopes: frozenset[Scope]) -> str:
    return " ".join(sorted(str(s) for s in scopes))


async def issue_token(
    session: AsyncSession,
    credential: Credential,
    scopes: frozenset[Scope] | None,
    settings: Settings,
) -> IssuedToken:
    """A signed access token for ``credential`` with ``scopes`` (None: all it holds)."""
    key = await signing_key(session, settings)
    assert key is not None  # made if missing
    now = utcnow()
    lifetime = settings.token_ttl
    if credential.expires_at is not None:
        lifetime = min(lifetime, max(1, int((credential.expires_at - now).total_seconds())))
    granted = loaded(credential.scopes) if scopes is None else scopes & loaded(credential.scopes)
    scope = scope_text(granted)
    issued_at = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": settings.token_issuer,
        "sub": f"credential:{credential.id}",
        "aud": settings.token_audience,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": secrets.token_urlsafe(16),
        "client_id": credential.prefix,
        "tenant": credential.tenant_id,
        "scope": scope,
    }
    return IssuedToken(jwt.encode(claims, key, algorithm=ALGORITHM), lifetime, scope)


# --- using -------------------------------------------------------------------------------


async def principal_from_token(
    session: AsyncSession, token: str, *, settings: Settings
) -> Principal:
    """The principal an access token speaks for, or 401: a bad signature, another
    algorithm (``none`` too), audience or issuer, a past ``exp``, a missing claim, a key
    revoked or expired since."""
    key = await signing_key(session, settings, make=False)
    if key is None:  # no token was ever issued here
        raise Unauthorized(INVALID_TOKEN)
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=settings.token_audience,
            issuer=settings.token_issuer,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized(EXPIRED_TOKEN) from None
    except jwt.InvalidTokenError:
        raise Unauthorized(INVALID_TOKEN) from None
    subject = _SUBJECT.fullmatch(str(claims["sub"]))
    tenant, client_id, scope = claims["tenant"], claims["client_id"], claims["scope"]
    if (
        subject is None
        or not isinstance(tenant, int)
        or isinstance(tenant, bool)
        or not 1 <= tenant <= ID_MAX
        or not isinstance(client_id, str)
        or not isinstance(scope, str)
    ):
        raise Unauthorized(INVALID_TOKEN)
    # find_in_tenant finds nothing for an id past 64 bits (a token of ours has none).
    credential = await find_in_tenant(session, Credential, int(subject.group(1)), tenant_id=tenant)
    if credential is None or not hmac.compare_digest(
        credential.prefix.encode(), client_id.encode()
    ):
        raise Unauthorized(INVALID_TOKEN)
    now = utcnow()
    if not credential.is_usable(now):
        raise Unauthorized(DEAD_KEY)
    await note_use(session, credential, now)
    return principal_of(credential, scopes=loaded(scope.split()))
