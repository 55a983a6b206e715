"""Use cases for tenants, accounts and credentials. Services flush; they never commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db import Work, utcnow, write_soon
from orderdesk.errors import FieldError, Forbidden, Unauthorized, ValidationFailed, not_found
from orderdesk.schemas import ID_MAX, NAME_MAX, address_dict, apply_changes
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import Account, AccountKind, Credential, Role, Tenant
from orderdesk.tenancy.principal import Principal, system_principal
from orderdesk.tenancy.schemas import AccountCreate, AccountUpdate, CredentialCreate
from orderdesk.tenancy.scoping import find_in_tenant, get_visible
from orderdesk.workflow.service import install_defaults

T = TypeVar("T")

#: How stale ``last_used_at`` may get before a request writes it again.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """A fresh API key and its public prefix (which identifies it in lists and logs)."""
    prefix = f"od_{secrets.token_hex(6)}"
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


async def _first_or_made(
    session: AsyncSession, find: Select[T], make: Callable[[], Awaitable[T]]
) -> T:
    """The row ``find`` selects, else the one ``make`` adds. Safe when several processes
    start at once: the loser of the race rolls back to a savepoint and reads the winner's."""
    found = (await session.scalars(find)).one_or_none()
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            return await make()
    except IntegrityError:
        return (await session.scalars(find)).one()


async def ensure_tenant(session: AsyncSession, name: str) -> Tenant:
    """The tenant of that name; a new one starts with the default workflows."""

    async def make() -> Tenant:
        tenant = Tenant(name=name)
        session.add(tenant)
        await session.flush()
        await install_defaults(session, tenant.id)
        return tenant

    return await _first_or_made(session, select(Tenant).where(Tenant.name == name), make)


def _contact_person(data: AccountCreate) -> str | None:
    """The contact's name as written: as given, else the given and family names joined
    by a space ("Amara Osei")."""
    if data.contact_person is not None:
        return data.contact_person
    written = " ".join(n for n in (data.contact_given_name, data.contact_family_name) if n)
    if len(written) > NAME_MAX:
        raise ValidationFailed(
            "the contact's given and family names are too long to make their written name",
            errors=[
                FieldError(
                    f"required when the given and family names together pass {NAME_MAX} characters",
                    pointer="/contact_person",
                )
            ],
        )
    return written or None


async def create_account(
    session: AsyncSession, data: AccountCreate, *, principal: Principal
) -> Account:
    principal.require(Role.ADMIN)
    account = Account(
        tenant_id=principal.tenant_id,
        **data.model_dump(exclude={"contact_person", "shipping_address", "billing_address"}),
        contact_person=_contact_person(data),
        shipping_address=address_dict(data.shipping_address),
        billing_address=address_dict(data.billing_address),
    )
    session.add(account)
    await session.flush()
    return account


async def load_account(session: AsyncSession, account_id: int, *, principal: Principal) -> Account:
    return await get_visible(session, Account, account_id, principal, kind="account")


async def update_account(
    session: AsyncSession, account_id: int, data: AccountUpdate, *, principal: Principal
) -> Account:
    principal.require(Role.ADMIN)
    account = await load_account(session, account_id, principal=principal)
    apply_changes(account, data)
    await session.flush()
    return account


async def create_credential(
    session: AsyncSession,
    data: CredentialCreate,
    *,
    principal: Principal,
    secret: str | None = None,
) -> tuple[Credential, str]:
    """Make an API key; returns the credential and its secret, which is not stored."""
    principal.require(Role.ADMIN)
    if data.role is Role.ADMIN:
        if data.account_id is not None:
            raise ValidationFailed(
                "admin credentials act for the whole tenant",
                errors=[FieldError("must be omitted for the admin role", pointer="/account_id")],
            )
    else:
        if data.account_id is None:
            raise ValidationFailed(
                f"a {data.role.value} credential acts for an account",
                errors=[
                    FieldError(f"required for the {data.role.value} role", pointer="/account_id")
                ],
            )
        await account_of_kind(
            session,
            data.account_id,
            AccountKind(data.role.value),
            principal=principal,
            pointer="/account_id",
        )
    if secret is None:
        secret, prefix = new_secret()
    else:
        prefix = f"od_{hash_secret(secret)[:8]}"
    credential = Credential(
        tenant_id=principal.tenant_id,
        name=data.name,
        role=data.role,
        account_id=data.account_id,
        expires_at=data.expires_at,
        prefix=prefix,
        secret_hash=hash_secret(secret),
    )
    session.add(credential)
    await session.flush()
    return credential, secret


def credentials_of(principal: Principal) -> Select[Credential]:
    return select(Credential).where(Credential.tenant_id == principal.tenant_id)


async def get_credential(
    session: AsyncSession, credential_id: int, *, principal: Principal
) -> Credential:
    """One credential of the admin's tenant, or the same 404 as for a missing one."""
    principal.require(Role.ADMIN)
    credential = None
    if 1 <= credential_id <= ID_MAX:  # a larger number names nothing and cannot be bound
        credential = (
            await session.scalars(credentials_of(principal).where(Credential.id == credential_id))
        ).one_or_none()
    if credential is None:
        raise not_found("credential", credential_id)
    return credential


async def revoke_credential(
    session: AsyncSession, credential_id: int, *, principal: Principal
) -> Credential:
    credential = await get_credential(session, credential_id, principal=principal)
    if credential.id == principal.credential_id:
        raise Forbidden("a credential cannot revoke itself; use another admin key")
    if credential.revoked_at is None:
        credential.revoked_at = utcnow()
        await session.flush()
    return credential


async def ensure_secret_credential(
    session: AsyncSession, tenant: Tenant, secret: str, *, name: str = "admin (environment)"
) -> Credential:
    """An admin credential with a known secret (``ORDERDESK_ADMIN_KEY``), made once.

    A revoked one stays revoked: revocation outranks configuration."""

    async def make() -> Credential:
        credential, _ = await create_credential(
            session,
            CredentialCreate(name=name, role=Role.ADMIN),
            principal=system_principal(tenant.id),
            secret=secret,
        )
        return credential

    find = select(Credential).where(Credential.secret_hash == hash_secret(secret))
    return await _first_or_made(session, find, make)


def _mark_used(credential: Credential, now: dt.datetime) -> Work:
    tenant_id, credential_id = credential.tenant_id, credential.id

    async def mark(session: AsyncSession) -> None:
        credential = await find_in_tenant(session, Credential, credential_id, tenant_id=tenant_id)
        if credential is not None:  # after a read-only request a later use may have marked it
            credential.last_used_at = max(now, credential.last_used_at or now)

    return mark


async def authenticate(session: AsyncSession, key: str) -> Principal:
    """The principal behind an API key, or 401. Constant work whatever the key."""
    credential = (
        await session.scalars(select(Credential).where(Credential.secret_hash == hash_secret(key)))
    ).one_or_none()
    now = utcnow()
    if credential is None or not credential.is_usable(now):
        raise Unauthorized("the API key is unknown, revoked or expired")
    if credential.last_used_at is None or now - credential.last_used_at > LAST_USED_RESOLUTION:
        await write_soon(session, _mark_used(credential, now))
    return Principal(
        tenant_id=credential.tenant_id,
        role=credential.role,
        account_id=credential.account_id,
        credential_id=credential.id,
        name=credential.name,
    )
