"""Resolving the calling principal from whichever credential forms a surface accepts."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from orderdesk.errors import Unauthorized
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.service import authenticate

#: ``Authorization: Bearer <key>``.
BEARER = HTTPBearer(auto_error=False, description="`Authorization: Bearer <API key>`")
#: ``X-API-Key: <key>``.
X_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="The API key")

CredentialForm = HTTPBearer | APIKeyHeader


def _how(form: CredentialForm) -> str:
    if isinstance(form, HTTPBearer):
        return "`Authorization: Bearer <key>`"
    return f"the `{form.model.name}` header"


def principal_from(*forms: CredentialForm) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency that authenticates the first of ``forms`` the request carries.

    Each form is a FastAPI security scheme, so the OpenAPI document lists them; the
    key is resolved by ``tenancy.service.authenticate`` whatever form brought it.
    """
    how = " or ".join(_how(form) for form in forms)

    async def principal(session: SessionDep, **sent: Any) -> Principal:
        for value in sent.values():
            key = value.credentials if isinstance(value, HTTPAuthorizationCredentials) else value
            if key:
                return await authenticate(session, key)
        raise Unauthorized(f"send the API key as {how}")

    parameters = [
        inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep)
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


#: The native API's principal: a bearer key or ``X-API-Key``.
PrincipalDep = Annotated[Principal, Depends(principal_from(BEARER, X_API_KEY))]
