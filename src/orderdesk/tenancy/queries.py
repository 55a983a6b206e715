"""Reading accounts and credentials: their lists."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.pagination import Page, paginate, where_given
from orderdesk.tenancy.models import Account, AccountKind, Credential, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import select_visible
from orderdesk.tenancy.service import credentials_of

ACCOUNT_SORTS = {"id": Account.id, "name": Account.name}
CREDENTIAL_SORTS = {"id": Credential.id, "created_at": Credential.created_at}


async def list_accounts(
    session: AsyncSession,
    *,
    principal: Principal,
    kind: AccountKind | None = None,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[Account]:
    return await paginate(
        session,
        where_given(select_visible(Account, principal), (Account.kind, kind)),
        id_column=Account.id,
        sort_columns=ACCOUNT_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def list_credentials(
    session: AsyncSession, *, principal: Principal, sort: str, cursor: str | None, limit: int
) -> Page[Credential]:
    """The tenant's credentials (admins only)."""
    principal.require(Role.ADMIN)
    return await paginate(
        session,
        credentials_of(principal),
        id_column=Credential.id,
        sort_columns=CREDENTIAL_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def all_credentials(session: AsyncSession, *, principal: Principal) -> list[Credential]:
    """Every credential of the tenant, oldest first (admins only)."""
    principal.require(Role.ADMIN)
    return list(await session.scalars(credentials_of(principal).order_by(Credential.id)))
