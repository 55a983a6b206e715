"""Account checks other areas build on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.errors import FieldError, ValidationFailed, not_found
from orderdesk.tenancy.models import Account, AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant


async def account_of_kind(
    session: AsyncSession,
    account_id: int,
    kind: AccountKind,
    *,
    principal: Principal,
    pointer: str,
) -> Account:
    """An account in the caller's tenant that must be of ``kind`` (else a 422 on ``pointer``)."""
    account = await _of_kind(session, account_id, kind, principal)
    if account is None:
        raise ValidationFailed(
            f"no {kind.value} account {account_id}",
            errors=[FieldError(f"must be the id of a {kind.value} account", pointer=pointer)],
        )
    return account


async def own_account(
    session: AsyncSession, account_id: int, kind: AccountKind, *, principal: Principal
) -> Account:
    """The account a principal may act as: its own (for admins, any of ``kind`` in the
    tenant). Any other is answered exactly like a missing one."""
    acts_as = principal.role is Role.ADMIN or (
        principal.role.value == kind.value and principal.account_id == account_id
    )
    account = await _of_kind(session, account_id, kind, principal) if acts_as else None
    if account is None:
        raise not_found(f"{kind.value} account", account_id)
    return account


async def _of_kind(
    session: AsyncSession, account_id: int, kind: AccountKind, principal: Principal
) -> Account | None:
    return await find_in_tenant(
        session, Account, account_id, tenant_id=principal.tenant_id, where=[Account.kind == kind]
    )
