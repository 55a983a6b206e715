"""The OAuth2 token endpoint: ``POST /oauth/token``, client credentials (RFC 6749 §4.4).

An API key is an OAuth2 client: its prefix (``od_…``) is the client id, the whole key
the client secret, sent by HTTP Basic or as ``client_id`` / ``client_secret`` in the
body (§2.3.1), never both. The answer (§5.1) is a short-lived bearer token that works
wherever the key does, with the key's scopes or the fewer ones ``scope`` asks for.

The endpoint is its own surface: it runs through the edge like every route (one
transaction, committed in one place), but answers errors as RFC 6749 §5.2 shows,
``{"error", "error_description"}``, never as problem documents: a 401 is
``invalid_client`` with ``WWW-Authenticate: Basic``; every other refusal of the request
(a malformed or oversized body, a parameter sent twice or of the wrong type) is a 400
``invalid_request``, except the protocol's own ``unsupported_grant_type`` and
``invalid_scope``. Bodies are forms (the edge also takes the same fields as JSON).
Unknown parameters are ignored and a parameter sent blank counts as omitted (§3.2).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import unquote_plus

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field, field_validator

from orderdesk.errors import OrderdeskError
from orderdesk.http import ratelimit
from orderdesk.http.openapi import ErrorDocs
from orderdesk.http.routing import Surface, surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.tenancy.tokens import (
    CLIENT_CREDENTIALS,
    InvalidClient,
    InvalidRequest,
    UnsupportedGrantType,
    authenticate_client,
    granted_scopes,
    issue_token,
)

#: Token answers and errors are never cached (§5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
#: How a 401 asks for the client's credentials.
CHALLENGE = 'Basic realm="orderdesk"'
#: The ``error`` codes of §5.2 this endpoint answers, and ``server_error`` for a fault.
ERROR_CODES = (
    "invalid_request",
    "invalid_client",
    "invalid_scope",
    "unsupported_grant_type",
    "server_error",
)
#: Statuses answered as another: §5.2 knows 400 and 401 (and a fault stays a 5xx).
FOLDS = {403: 401, 422: 400}
#: What an ``error_description`` may hold (§5.2: printable ASCII but ``"`` and ``\``).
_NOT_DESCRIBABLE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")


class OAuthError(BaseModel):
    """An error of the token endpoint (RFC 6749 §5.2)."""

    error: Literal[
        "invalid_request",
        "invalid_client",
        "invalid_scope",
        "unsupported_grant_type",
        "server_error",
    ]
    error_description: str = Field(description="What went wrong, for the developer")


def _error_code(error: OrderdeskError) -> str:
    if error.code in ERROR_CODES:
        return error.code
    if error.status in (401, 403):
        return "invalid_client"
    return "server_error" if error.status >= 500 else "invalid_request"


def _description(error: OrderdeskError) -> str:
    text = error.detail or error.title
    if error.errors:
        parts = []
        for part in error.errors:
            where = (part.pointer or "").lstrip("/") or part.parameter or "the body"
            parts.append(f"{where}: {part.detail}")
        text = f"{text}: {'; '.join(parts)}"
    return _NOT_DESCRIBABLE.sub("?", text.replace('"', "'"))


def render_oauth_error(error: OrderdeskError, request: Request) -> Response:
    """``error`` as RFC 6749 §5.2 shows it."""
    status = FOLDS.get(error.status, error.status)
    headers = dict(NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
    return JSONResponse(
        {"error": _error_code(error), "error_description": _description(error)},
        status_code=status,
        headers=headers,
    )


OAUTH = Surface(
    name="oauth",
    render_error=render_oauth_error,
    error_docs=ErrorDocs(
        model=OAuthError,
        media_types=("application/json",),
        folds=FOLDS,
        descriptions={
            400: "`invalid_request` (a parameter missing, sent twice or malformed; client "
            "credentials sent both ways), `unsupported_grant_type` (not "
            "`client_credentials`) or `invalid_scope` (a scope unknown or not the key's)",
            401: "`invalid_client`: no client authentication, or it names no usable key "
            "(unknown, revoked or expired; the secret is not that prefix's key)",
        },
    ),
)

router = surface_router(OAUTH, tags=["oauth"])

#: The client's id and secret by HTTP Basic (§2.3.1).
CLIENT_BASIC = HTTPBasic(
    scheme_name="OAuth2ClientBasic",
    realm="orderdesk",
    description="The token endpoint's client authentication: user name the API key's "
    "prefix (`od_…`), password the API key",
    auto_error=False,
)


class TokenRequest(BaseModel):
    """A client credentials token request (RFC 6749 §4.4.2), form-encoded."""

    model_config = ConfigDict(extra="ignore")

    grant_type: str | None = Field(default=None, description="`client_credentials`")
    scope: str | None = Field(
        default=None,
        max_length=2000,
        description="Space-separated scopes the token gets, each held by the key; omitted: "
        "every scope the key holds",
    )
    client_id: str | None = Field(
        default=None,
        max_length=200,
        description="The key's prefix, when the client does not authenticate by HTTP Basic",
    )
    client_secret: str | None = Field(
        default=None,
        max_length=200,
        description="The API key, when the client does not authenticate by HTTP Basic",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _once(cls, value: Any) -> Any:
        if isinstance(value, list):
            raise ValueError("sent more than once; each parameter is sent at most once")
        return None if value == "" else value


class TokenResponse(BaseModel):
    """An access token (RFC 6749 §5.1): send it as ``Authorization: Bearer <access_token>``."""

    access_token: str = Field(description="A JWT (RFC 9068), signed by this service")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Seconds until it expires")
    scope: str = Field(description="The scopes it grants, space-separated")


BOTH_WAYS = (
    "send the client credentials one way: by HTTP Basic or as client_id and "
    "client_secret in the body, not both"
)
NO_CLIENT = (
    "authenticate the client: by HTTP Basic (user name the API key's prefix, password the "
    "key) or with client_id and client_secret in the body"
)


def _client(basic: HTTPBasicCredentials | None, body: TokenRequest) -> tuple[str, str]:
    """The client id and secret, from HTTP Basic (form-encoded in it, §2.3.1) or the body.

    With HTTP Basic, a ``client_id`` in the body that repeats the same id is tolerated
    (it authenticates nothing); a ``client_secret`` or another id is ``invalid_request``.
    """
    if basic is not None:
        client_id, secret = unquote_plus(basic.username), unquote_plus(basic.password)
        if body.client_secret is not None or body.client_id not in (None, client_id):
            raise InvalidRequest(BOTH_WAYS)
        return client_id, secret
    if body.client_id is None or body.client_secret is None:
        raise InvalidClient(NO_CLIENT)
    return body.client_id, body.client_secret


@router.post(
    "/token",
    summary="Trade an API key for an access token (OAuth2 client credentials)",
    responses={200: {"headers": {name: {"schema": {"type": "string"}} for name in NO_STORE}}},
)
async def token(
    request: Request,
    response: Response,
    session: SessionDep,
    body: TokenRequest,
    basic: Annotated[HTTPBasicCredentials | None, Depends(CLIENT_BASIC)],
) -> TokenResponse:
    """RFC 6749 §4.4: `grant_type=client_credentials`, the client authenticated by HTTP
    Basic or in the body, an optional `scope` narrowing the key's. The token works as
    `Authorization: Bearer <access_token>` on every route the key works on, until it
    expires or the key is revoked."""
    # The client first: whoever it is not learns nothing of what else is wrong.
    client_id, secret = _client(basic, body)
    # A wrong secret counts against the address, as a wrong key does on every other route.
    limits = ratelimit.of(request.app)
    await limits.refuse_blocked_address(request)
    try:
        credential = await authenticate_client(session, client_id, secret)
    except InvalidClient:
        await limits.failed_authentication(request)
        raise
    if body.grant_type is None:
        raise InvalidRequest("grant_type is required: send grant_type=client_credentials")
    if body.grant_type != CLIENT_CREDENTIALS:
        raise UnsupportedGrantType("the only grant type is client_credentials")
    scopes = granted_scopes(credential, body.scope)
    issued = await issue_token(session, credential, scopes, request.app.state.settings)
    response.headers.update(NO_STORE)
    return TokenResponse(
        access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope
    )
