"""Accounts and credentials (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, status

from orderdesk.api import NATIVE
from orderdesk.api.listing import ListPage, Paging, page_response, sorted_by
from orderdesk.http.auth import PrincipalDep
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.pagination import where_given
from orderdesk.tenancy import service
from orderdesk.tenancy.models import Account, AccountKind, Credential, Role
from orderdesk.tenancy.schemas import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    CredentialCreate,
    CredentialCreated,
    CredentialRead,
)
from orderdesk.tenancy.scoping import get_visible, select_visible

router = surface_router(NATIVE, prefix="/v1")


@router.post("/accounts", status_code=status.HTTP_201_CREATED, tags=["accounts"])
async def create_account(
    body: AccountCreate, session: SessionDep, principal: PrincipalDep
) -> AccountRead:
    return AccountRead.model_validate(
        await service.create_account(session, body, principal=principal)
    )


@router.get("/accounts", tags=["accounts"])
async def list_accounts(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    paging: Annotated[Paging, Depends(sorted_by("id", "name"))],
    kind: Annotated[AccountKind | None, Query()] = None,
) -> ListPage[AccountRead]:
    stmt = where_given(select_visible(Account, principal), (Account.kind, kind))
    page = await paging.fetch(
        session, stmt, id_column=Account.id, sorts={"id": Account.id, "name": Account.name}
    )
    return page_response(request, page, AccountRead.model_validate)


@router.get("/accounts/{account_id}", tags=["accounts"])
async def get_account(account_id: int, session: SessionDep, principal: PrincipalDep) -> AccountRead:
    return AccountRead.model_validate(
        await get_visible(session, Account, account_id, principal, kind="account")
    )


@router.patch("/accounts/{account_id}", tags=["accounts"])
async def update_account(
    account_id: int, body: AccountUpdate, session: SessionDep, principal: PrincipalDep
) -> AccountRead:
    return AccountRead.model_validate(
        await service.update_account(session, account_id, body, principal=principal)
    )


@router.post("/credentials", status_code=status.HTTP_201_CREATED, tags=["credentials"])
async def create_credential(
    body: CredentialCreate, session: SessionDep, principal: PrincipalDep
) -> CredentialCreated:
    credential, secret = await service.create_credential(session, body, principal=principal)
    return CredentialCreated(
        **CredentialRead.model_validate(credential).model_dump(), secret=secret
    )


@router.get("/credentials", tags=["credentials"])
async def list_credentials(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    paging: Annotated[Paging, Depends(sorted_by("id", "created_at"))],
) -> ListPage[CredentialRead]:
    principal.require(Role.ADMIN)
    stmt = service.credentials_of(principal)
    page = await paging.fetch(
        session,
        stmt,
        id_column=Credential.id,
        sorts={"id": Credential.id, "created_at": Credential.created_at},
    )
    return page_response(request, page, CredentialRead.model_validate)


@router.get("/credentials/{credential_id}", tags=["credentials"])
async def get_credential(
    credential_id: int, session: SessionDep, principal: PrincipalDep
) -> CredentialRead:
    return CredentialRead.model_validate(
        await service.get_credential(session, credential_id, principal=principal)
    )


@router.post("/credentials/{credential_id}/revoke", tags=["credentials"])
async def revoke_credential(
    credential_id: int, session: SessionDep, principal: PrincipalDep
) -> CredentialRead:
    return CredentialRead.model_validate(
        await service.revoke_credential(session, credential_id, principal=principal)
    )
