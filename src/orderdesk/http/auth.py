"""Resolving the calling principal from whichever credential forms a surface accepts,
and checking that it holds the scopes its route declares.

Whatever brings it (``Authorization: Bearer``, ``X-API-Key``, ``Impilo-API-Key``), the
credential is an API key or an access token from ``POST /oauth/token``; both resolve
through ``resolve_credential``, so a token works wherever a key does.

A route declares the scope it needs as a typed dependency: ``Security(principal,
scopes=[...])`` on the surface's principal (see ``orderdesk.api.callers``). FastAPI
passes the scopes down to the dependency and lists them in the OpenAPI document,
under the OAuth2 scheme of each operation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import APIKeyHeader, OAuth2, SecurityScopes
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.errors import Unauthorized
from orderdesk.http import ratelimit
from orderdesk.http.idempotency import claim_key
from orderdesk.http.ratelimit import CREDENTIAL, Policy
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import DESCRIPTIONS
from orderdesk.tenancy.service import KEY_MARK, authenticate
from orderdesk.tenancy.tokens import principal_from_token

#: Where clients trade their credentials for an access token.
TOKEN_URL = "/oauth/token"


class BearerCredential(OAuth2):
    """``Authorization: Bearer <API key or access token>``; documented as OAuth2 client
    credentials, so each operation's security lists the scopes it needs."""

    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        scheme, value = get_authorization_scheme_param(request.headers.get("Authorization"))
        return value if scheme.lower() == "bearer" and value else None


#: ``Authorization: Bearer <key or token>``.
BEARER = BearerCredential(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl=TOKEN_URL, scopes={str(s): d for s, d in DESCRIPTIONS.items()}
        )
    ),
    scheme_name="OAuth2",
    description="`Authorization: Bearer <API key>`, or an access token from "
    f"`POST {TOKEN_URL}` (client id: the key's prefix; client secret: the key)",
    auto_error=False,
)
#: ``X-API-Key: <key>``.
X_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key")

CredentialForm = BearerCredential | APIKeyHeader


def _how(form: CredentialForm) -> str:
    if isinstance(form, BearerCredential):
        return "`Authorization: Bearer <key or access token>`"
    return f"the `{form.model.name}` header"


async def resolve_credential(request: Request, session: AsyncSession, presented: str) -> Principal:
    """The principal behind an API key or an access token, or 401."""
    if presented.startswith(KEY_MARK):
        return await authenticate(session, presented)
    return await principal_from_token(session, presented, settings=request.app.state.settings)


def principal_from(
    *forms: CredentialForm, rate: Policy = CREDENTIAL
) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that authenticates the first of ``forms`` the request carries, counts
    the request against the credential's ``rate`` (429 past it), then refuses (403,
    naming them) a principal without the scopes its route declares.

    A client address that has used up its failed authentications is a 429 before any
    credential is looked at, and a credential that fails counts against its address
    (``orderdesk.http.ratelimit``).

    Each form is a FastAPI security scheme, so the OpenAPI document lists them.
    The principal is kept on the request (``request.state.principal``) for the edge's
    hooks (audit, rate limits).
    """
    how = " or ".join(_how(form) for form in forms)

    async def principal(
        request: Request, security_scopes: SecurityScopes, session: SessionDep, **sent: Any
    ) -> Principal:
        limits = ratelimit.of(request.app)
        await limits.refuse_blocked_address(request)
        for value in sent.values():
            if value:
                try:
                    found = await resolve_credential(request, session, value)
                except Unauthorized:
                    await limits.failed_authentication(request)
                    raise
                request.state.principal = found
                await limits.count(request, found, rate)
                found.require_scopes(security_scopes.scopes)
                await claim_key(request, session, found)  # may answer a retry right here
                return found
        raise Unauthorized(f"send the API key as {how}")

    parameters = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)
        for name, annotation in (
            ("request", Request),
            ("security_scopes", SecurityScopes),
            ("session", SessionDep),
        )
    ]
    parameters += [
        inspect.Parameter(
            f"form_{i}",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[Any, Depends(form)],
        )
        for i, form in enumerate(forms)
    ]
    principal.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return principal


#: The native API's principal: a bearer key or token, or ``X-API-Key``.
native_principal = principal_from(BEARER, X_API_KEY)
