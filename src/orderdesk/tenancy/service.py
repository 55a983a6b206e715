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
from orderdesk.errors import (
    Conflict,
    FieldError,
    Forbidden,
    Unauthorized,
    ValidationFailed,
    check_version,
    not_found,
)
from orderdesk.schemas import ID_MAX, NAME_MAX, address_dict, apply_changes
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import Account, AccountKind, Credential, Role, Tenant
from orderdesk.tenancy.principal import Principal, system_principal
from orderdesk.tenancy.schemas import (
    AccountCreate,
    AccountUpdate,
    CredentialCreate,
    CredentialRotate,
)
from orderdesk.tenancy.scopes import Scope, loaded, scopes_for, stored
from orderdesk.tenancy.scoping import find_in_tenant, get_visible
from orderdesk.workflow.service import install_defaults

T = TypeVar("T")

#: How stale ``last_used_at`` may get before a request writes it again.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


#: Every key and prefix starts so, which lets secret scanners and people recognise one.
KEY_MARK = "od_"


def new_prefix() -> str:
    """A public prefix: random, never derived from the secret, so it helps no guess."""
    return f"{KEY_MARK}{secrets.token_hex(6)}"


def new_secret() -> tuple[str, str]:
    """A fresh API key and its public prefix (which identifies it in lists and logs)."""
    prefix = new_prefix()
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


async def first_or_made(
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

    return await first_or_made(session, select(Tenant).where(Tenant.name == name), make)


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
    session: AsyncSession,
    account_id: int,
    data: AccountUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Account:
    principal.require(Role.ADMIN)
    account = await load_account(session, account_id, principal=principal)
    check_version("account", account, expected_version)
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
    scopes = scopes_for(data.role, data.scopes)
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise ValidationFailed(
            "the key would never work",
            errors=[FieldError("must be in the future", pointer="/expires_at")],
        )
    if secret is None:
        secret, prefix = new_secret()
    else:
        prefix = new_prefix()
    credential = Credential(
        tenant_id=principal.tenant_id,
        name=data.name,
        role=data.role,
        scopes=stored(scopes),
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


async def rotate_credential(
    session: AsyncSession, credential_id: int, data: CredentialRotate, *, principal: Principal
) -> tuple[Credential, str]:
    """A new key with the old one's name, role, account, scopes and expiry; the old one
    keeps working until ``data.old_valid_until`` (never past its own expiry), else stops now."""
    old = await get_credential(session, credential_id, principal=principal)
    now = utcnow()
    if not old.is_usable(now):
        raise Conflict("only a key that still works can be rotated; make a new one instead")
    until = data.old_valid_until or now
    if until < now:
        raise ValidationFailed(
            "the old key cannot stop in the past",
            errors=[FieldError("must be now or later", pointer="/old_valid_until")],
        )
    new, secret = await create_credential(
        session,
        CredentialCreate(
            name=old.name,
            role=old.role,
            account_id=old.account_id,
            scopes=sorted(loaded(old.scopes)),
            expires_at=old.expires_at,
        ),
        principal=principal,
    )
    new.rotated_from_id = old.id
    old.expires_at = min(until, old.expires_at) if old.expires_at else until
    await session.flush()
    return new, secret


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

    find = select(Credential).where(
        Credential.tenant_id == tenant.id, Credential.secret_hash == hash_secret(secret)
    )
    return await first_or_made(session, find, make)


def _mark_used(credential: Credential, now: dt.datetime) -> Work:
    tenant_id, credential_id = credential.tenant_id, credential.id

    async def mark(session: AsyncSession) -> None:
        credential = await find_in_tenant(session, Credential, credential_id, tenant_id=tenant_id)
        if credential is not None:  # after a read-only request a later use may have marked it
            credential.last_used_at = max(now, credential.last_used_at or now)

    return mark


async def credential_by_secret(session: AsyncSession, key: str) -> Credential:
    """The usable credential whose secret ``key`` is, or 401. Constant work whatever the key."""
    credential = (
        await session.scalars(select(Credential).where(Credential.secret_hash == hash_secret(key)))
    ).one_or_none()
    now = utcnow()
    if credential is None or not credential.is_usable(now):
        raise Unauthorized("the API key is unknown, revoked or expired")
    await note_use(session, credential, now)
    return credential


async def note_use(session: AsyncSession, credential: Credential, now: dt.datetime) -> None:
    """Record that ``credential`` (or an access token of it) was used, at most once a
    ``LAST_USED_RESOLUTION``."""
    if credential.last_used_at is None or now - credential.last_used_at > LAST_USED_RESOLUTION:
        await write_soon(session, _mark_used(credential, now))


def principal_of(credential: Credential, scopes: frozenset[Scope] | None = None) -> Principal:
    """Who calls with this credential: with all its scopes, or only ``scopes`` of them
    (an access token's)."""
    held = loaded(credential.scopes)
    return Principal(
        tenant_id=credential.tenant_id,
        role=credential.role,
        account_id=credential.account_id,
        credential_id=credential.id,
        name=credential.name,
        scopes=held if scopes is None else held & scopes,
    )


async def authenticate(session: AsyncSession, key: str) -> Principal:
    """The principal behind an API key, or 401."""
    return principal_of(await credential_by_secret(session, key))
