"""Use cases for devices. A supplier writes its own devices; an admin any of the tenant.

A device's patient is protected health information: its values never go into an error
or a log line, only its id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from orderdesk.catalog.models import Item
from orderdesk.db import utcnow
from orderdesk.devices.models import Device, DeviceEvent, DeviceIdentifier
from orderdesk.devices.schemas import (
    DeviceCreate,
    DeviceEventCreate,
    DeviceIdentifierIn,
    DeviceUpdate,
)
from orderdesk.errors import Conflict, FieldError, ValidationFailed
from orderdesk.parties.models import Patient, Site
from orderdesk.schemas import apply_changes
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant, get_visible

#: Fields of a device a request sets through its own rule, not as they are.
_BY_RULE = frozenset({"identifiers"})


def device_load(principal: Principal) -> Sequence[ORMOption]:
    """What reading a device needs, loaded up front (relationships raise). Its patient and
    site are loaded only if ``principal`` may see them (else they read as null)."""
    return (
        selectinload(Device.item).selectinload(Item.manufacturer),
        selectinload(Device.current_patient.and_(Patient.visible_to(principal))),
        selectinload(Device.site.and_(Site.visible_to(principal))),
        selectinload(Device.identifiers),
        selectinload(Device.events),
    )


async def load_device(
    session: AsyncSession,
    device_id: int,
    *,
    principal: Principal,
    fresh: bool = False,
    for_update: bool = False,
) -> Device:
    return await get_visible(
        session,
        Device,
        device_id,
        principal,
        kind="device",
        options=device_load(principal),
        fresh=fresh,
        for_update=for_update,
    )


async def _supplier_account(
    session: AsyncSession, requested: int | None, principal: Principal
) -> int:
    account_id = principal.owning_account(requested)
    await account_of_kind(
        session, account_id, AccountKind.SUPPLIER, principal=principal, pointer="/account_id"
    )
    return account_id


async def _check_item(
    session: AsyncSession, item_id: int, account_id: int, principal: Principal
) -> None:
    """A device is a unit of its own supplier's item; another's is answered like a missing one."""
    item = await find_in_tenant(
        session, Item, item_id, tenant_id=principal.tenant_id, where=[Item.account_id == account_id]
    )
    if item is None:
        raise ValidationFailed(
            f"no item {item_id} of the device's supplier",
            errors=[
                FieldError("must be the id of an item of the device's supplier", pointer="/item_id")
            ],
        )


async def _check_holder(
    session: AsyncSession, device: Device, sent: frozenset[str], principal: Principal
) -> None:
    """The patient or site that has the device is one of the tenant's that the caller may see
    (customers own them; a supplier sees those named on orders placed with it)."""
    device.check_holder(sent)
    holders = (
        ("current_patient_id", Patient, device.current_patient_id, "patient"),
        ("site_id", Site, device.site_id, "site"),
    )
    for field, model, ident, kind in holders:
        if field not in sent or ident is None:
            continue
        found = await find_in_tenant(
            session,
            model,
            ident,
            tenant_id=principal.tenant_id,
            where=[model.visible_to(principal)],
        )
        if found is None:
            raise ValidationFailed(
                f"no {kind} {ident} you may see",
                errors=[FieldError(f"must be the id of a {kind} you may see", pointer=f"/{field}")],
            )


async def _identifiers(
    session: AsyncSession,
    device: Device,
    wanted: list[DeviceIdentifierIn],
    principal: Principal,
) -> list[DeviceIdentifier]:
    """The device's identifiers as ``wanted``: each ``(type, value)`` once in the list (else
    422) and on no other device of the supplier (else 409). Rows that stay are kept."""
    seen: set[tuple[str, str]] = set()
    repeated = []
    for i, row in enumerate(wanted):
        if (row.type, row.value) in seen:
            repeated.append(
                FieldError("repeats an identifier given above", pointer=f"/identifiers/{i}")
            )
        seen.add((row.type, row.value))
    if repeated:
        raise ValidationFailed("an identifier is given twice", errors=repeated)
    if seen:
        others = [
            DeviceIdentifier.tenant_id == principal.tenant_id,
            DeviceIdentifier.account_id == device.account_id,
            or_(*(and_(DeviceIdentifier.type == t, DeviceIdentifier.value == v) for t, v in seen)),
        ]
        if device.id is not None:
            others.append(DeviceIdentifier.device_id != device.id)
        stmt = select(DeviceIdentifier.type, DeviceIdentifier.value).where(*others)
        taken = {(t, v) for t, v in await session.execute(stmt)}
        conflicts = [
            FieldError(
                f"{row.type} {row.value} is already an identifier of another of the "
                "supplier's devices",
                pointer=f"/identifiers/{i}/value",
            )
            for i, row in enumerate(wanted)
            if (row.type, row.value) in taken
        ]
        if conflicts:
            raise Conflict("an identifier belongs to another device", errors=conflicts)
    kept = {(r.type, r.value): r for r in (device.identifiers if device.id is not None else [])}
    return [
        kept.get((row.type, row.value))
        or DeviceIdentifier(
            tenant_id=principal.tenant_id,
            account_id=device.account_id,
            type=row.type,
            value=row.value,
        )
        for row in wanted
    ]


async def _flush(session: AsyncSession) -> None:
    """Flush; two requests that add the same identifier at once: the second is a 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if "device_identifiers" not in str(exc.orig):
            raise
        raise Conflict(
            "an identifier belongs to another device",
            errors=[
                FieldError(
                    "an identifier is already another of the supplier's devices'",
                    pointer="/identifiers",
                )
            ],
        ) from exc


async def create_device(
    session: AsyncSession, data: DeviceCreate, *, principal: Principal
) -> Device:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    account_id = await _supplier_account(session, data.account_id, principal)
    await _check_item(session, data.item_id, account_id, principal)
    device = Device(
        tenant_id=principal.tenant_id,
        account_id=account_id,
        **data.model_dump(exclude={"account_id", "identifiers"}),
    )
    await _check_holder(session, device, frozenset(data.model_fields_set), principal)
    device.identifiers = await _identifiers(session, device, data.identifiers, principal)
    session.add(device)
    await _flush(session)
    return await load_device(session, device.id, principal=principal, fresh=True)


async def update_device(
    session: AsyncSession,
    device_id: int,
    data: DeviceUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Device:
    """Set the fields the request names; ``identifiers`` replaces the whole list."""
    principal.require(Role.ADMIN, Role.SUPPLIER)
    device = await load_device(session, device_id, principal=principal, for_update=True)
    device.check_version(expected_version)
    sent = frozenset(data.model_fields_set)
    if data.item_id is not None:
        await _check_item(session, data.item_id, device.account_id, principal)
    apply_changes(device, data, exclude=_BY_RULE)
    await _check_holder(session, device, sent, principal)
    if data.identifiers is not None:
        device.identifiers = await _identifiers(session, device, data.identifiers, principal)
    await _flush(session)
    return await load_device(session, device.id, principal=principal, fresh=True)


def record_device_event(
    session: AsyncSession,
    device: Device,
    type_: str,
    principal: Principal,
    *,
    occurred_at: dt.datetime | None = None,
) -> DeviceEvent:
    """Append an event to the device's history (in the caller's transaction)."""
    now = utcnow()
    event = DeviceEvent(
        tenant_id=device.tenant_id,
        device_id=device.id,
        type=type_,
        occurred_at=occurred_at or now,
        actor=principal.actor,
        credential_id=principal.credential_id,
        recorded_at=now,
    )
    session.add(event)
    return event


async def add_event(
    session: AsyncSession, device_id: int, data: DeviceEventCreate, *, principal: Principal
) -> DeviceEvent:
    """Append an event to the device's history; events are never edited."""
    principal.require(Role.ADMIN, Role.SUPPLIER)
    device = await load_device(session, device_id, principal=principal)
    event = record_device_event(session, device, data.type, principal, occurred_at=data.occurred_at)
    await session.flush()
    return event
