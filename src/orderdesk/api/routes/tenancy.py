"""Accounts and credentials (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response, status

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanAdminister, CanReadAccounts
from orderdesk.api.listing import ListPage, Paging, page_response, sorted_by
from orderdesk.http.conditional import IfMatch, with_etag
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.tenancy import queries, service
from orderdesk.tenancy.models import AccountKind, Credential
from orderdesk.tenancy.schemas import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    CredentialCreate,
    CredentialCreated,
    CredentialRead,
    CredentialRotate,
)

router = surface_router(NATIVE, prefix="/v1")


@router.post("/accounts", status_code=status.HTTP_201_CREATED, tags=["accounts"])
async def create_account(
    body: AccountCreate, session: SessionDep, principal: CanAdminister
) -> AccountRead:
    return AccountRead.model_validate(
        await service.create_account(session, body, principal=principal)
    )


@router.get("/accounts", tags=["accounts"])
async def list_accounts(
    request: Request,
    session: SessionDep,
    principal: CanReadAccounts,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    kind: Annotated[AccountKind | None, Query()] = None,
) -> ListPage[AccountRead]:
    page = await queries.list_accounts(
        session,
        principal=principal,
        kind=kind,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return page_response(request, page, AccountRead.model_validate)


@router.get("/accounts/{account_id}", tags=["accounts"], responses=sends(200, "ETag"))
async def get_account(
    account_id: int, session: SessionDep, principal: CanReadAccounts, response: Response
) -> AccountRead:
    account = await service.load_account(session, account_id, principal=principal)
    return AccountRead.model_validate(with_etag(response, account))


@router.patch("/accounts/{account_id}", tags=["accounts"], responses=sends(200, "ETag"))
async def update_account(
    account_id: int,
    body: AccountUpdate,
    session: SessionDep,
    principal: CanAdminister,
    response: Response,
    expected: IfMatch,
) -> AccountRead:
    account = await service.update_account(
        session, account_id, body, principal=principal, expected_version=expected
    )
    return AccountRead.model_validate(with_etag(response, account))


@router.post("/credentials", status_code=status.HTTP_201_CREATED, tags=["credentials"])
async def create_credential(
    body: CredentialCreate, session: SessionDep, principal: CanAdminister
) -> CredentialCreated:
    credential, secret = await service.create_credential(session, body, principal=principal)
    return _created(credential, secret)


def _created(credential: Credential, secret: str) -> CredentialCreated:
    return CredentialCreated(
        **CredentialRead.model_validate(credential).model_dump(), secret=secret
    )


@router.get("/credentials", tags=["credentials"])
async def list_credentials(
    request: Request,
    session: SessionDep,
    principal: CanAdminister,
    paging: Annotated[Paging, Depends(sorted_by("id", "created_at"))],
) -> ListPage[CredentialRead]:
    page = await queries.list_credentials(
        session, principal=principal, sort=paging.sort, cursor=paging.cursor, limit=paging.limit
    )
    return page_response(request, page, CredentialRead.model_validate)


@router.get("/credentials/{credential_id}", tags=["credentials"])
async def get_credential(
    credential_id: int, session: SessionDep, principal: CanAdminister
) -> CredentialRead:
    return CredentialRead.model_validate(
        await service.get_credential(session, credential_id, principal=principal)
    )


@router.post("/credentials/{credential_id}/revoke", tags=["credentials"])
async def revoke_credential(
    credential_id: int, session: SessionDep, principal: CanAdminister
) -> CredentialRead:
    return CredentialRead.model_validate(
        await service.revoke_credential(session, credential_id, principal=principal)
    )


@router.post(
    "/credentials/{credential_id}/rotate",
    status_code=status.HTTP_201_CREATED,
    tags=["credentials"],
)
async def rotate_credential(
    credential_id: int,
    session: SessionDep,
    principal: CanAdminister,
    body: CredentialRotate,
) -> CredentialCreated:
    """A new key in place of this one (same name, role, account, scopes and expiry); the
    old key keeps working until ``old_valid_until``, else stops now."""
    credential, secret = await service.rotate_credential(
        session, credential_id, body, principal=principal
    )
    return _created(credential, secret)
