"""Account checks other areas build on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.errors import FieldError, ValidationFailed, not_found
from orderdesk.tenancy.models import Account, AccountKind, Role
from orderdesk.tenancy.principal import Principal


async def account_of_kind(
    session: AsyncSession,
    account_id: int,
    kind: AccountKind,
    *,
    principal: Principal,
    pointer: str,
) -> Account:
    """An account in the caller's tenant that must be of ``kind`` (else a 422 on ``pointer``)."""
    account = await session.get(Account, account_id)
    if account is None or account.tenant_id != principal.tenant_id or account.kind != kind:
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
    if principal.role is Role.ADMIN:
        account = await session.get(Account, account_id)
        if (
            account is not None
            and account.tenant_id == principal.tenant_id
            and account.kind == kind
        ):
            return account
    elif principal.role.value == kind.value and principal.account_id == account_id:
        return await session.get_one(Account, account_id)
    raise not_found(f"{kind.value} account", account_id)
