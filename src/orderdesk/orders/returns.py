"""What comes back with an order, checked, and the supplier's receipt of it.

An order's ``returns`` name items, devices and packed kits its patient or site sends
back. A returned item must be an item of the order's supplier; a returned device must be
one of the supplier's devices that the order's patient or site holds and that has
shipped to them; a returned packed kit must have been delivered to them on an order of
the same supplier. The supplier records what came back (``orders.receiving``): each part
gets its ``received_at``, and each device received is ``returned`` and free for another
order. What was received stays in the returns for good.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.models import Item
from orderdesk.devices.models import Device, DeviceStatus
from orderdesk.errors import Conflict, FieldError, ValidationFailed
from orderdesk.orders.models import Order, PackedKit
from orderdesk.orders.schemas import Returns, ReturnsReceipt
from orderdesk.tenancy.principal import Principal
from orderdesk.workflow.graph import Outcome, StateType

#: The parts of ``returns``: the key of each list, and what its entries' ``id`` names.
_PARTS = {"items": "item_ids", "devices": "device_ids", "packed_kits": "packed_kit_ids"}
#: A device the patient or site has: sent to them, not yet back.
OUT = frozenset({DeviceStatus.SHIPPED, DeviceStatus.WITH_PATIENT})


def part_entry(part: str, ident: int) -> str:
    """How an error names one entry of a part: "packed kit 4"."""
    return f"{part.removesuffix('s').replace('_', ' ')} {ident}"


def received_parts(stored: Mapping[str, Any] | None) -> dict[str, dict[int, str]]:
    """When each part of the stored returns was received, by part and id."""
    return {
        part: {
            e["id"]: e["received_at"] for e in (stored or {}).get(part, []) if e.get("received_at")
        }
        for part in _PARTS
    }


async def checked_returns(
    session: AsyncSession,
    returns: Returns | None,
    *,
    supplier_id: int,
    patient_id: int | None,
    site_id: int | None,
    principal: Principal,
    stored: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``returns`` as the order stores them, once every part is checked (a 422 naming each
    one that cannot be returned). ``stored`` are the order's returns before an edit: what
    was received of them must stay, and is not checked again."""
    received = received_parts(stored)
    returns = returns or Returns()
    errors: list[FieldError] = []
    sent = {
        "items": [r.item_id for r in returns.items],
        "devices": [r.device_id for r in returns.devices],
        "packed_kits": [r.packed_kit_id for r in returns.packed_kits],
    }
    leaf = {"items": "item_id", "devices": "device_id", "packed_kits": "packed_kit_id"}
    for part, ids in sent.items():
        seen: set[int] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                errors.append(
                    FieldError(
                        "repeats an entry above", pointer=f"/returns/{part}/{i}/{leaf[part]}"
                    )
                )
            seen.add(ident)
        for ident, when in received[part].items():
            if ident not in seen:
                errors.append(
                    FieldError(
                        f"{part_entry(part, ident)} was received at {when}; it stays in the "
                        "returns",
                        pointer=f"/returns/{part}",
                    )
                )
    if errors:
        raise ValidationFailed("the returns cannot be taken", errors=errors)
    fresh = {part: [i for i in ids if i not in received[part]] for part, ids in sent.items()}
    known_items = await _supplier_items(session, fresh["items"], supplier_id, principal)
    held = await held_devices(
        session, fresh["devices"], supplier_id, patient_id, site_id, principal
    )
    delivered = await _delivered_kits(
        session, fresh["packed_kits"], supplier_id, patient_id, site_id, principal
    )
    holder = "patient" if patient_id is not None else "site" if site_id is not None else None
    for i, ident in enumerate(sent["items"]):
        if ident in fresh["items"] and ident not in known_items:
            errors.append(
                FieldError(
                    "must be the id of an item of the order's supplier",
                    pointer=f"/returns/items/{i}/item_id",
                )
            )
    for i, ident in enumerate(sent["devices"]):
        if ident not in fresh["devices"]:
            continue
        pointer = f"/returns/devices/{i}/device_id"
        device = held.get(ident)
        if holder is None:
            errors.append(
                FieldError("an order for no patient or site returns no devices", pointer=pointer)
            )
        elif device is None:
            errors.append(
                FieldError(
                    f"must be a device of the order's supplier that the order's {holder} holds",
                    pointer=pointer,
                )
            )
        elif device.current_status not in OUT:
            errors.append(
                FieldError(
                    f"device {ident} is {device.current_status.value}: it has not been sent to "
                    f"the order's {holder}",
                    pointer=pointer,
                )
            )
    for i, ident in enumerate(sent["packed_kits"]):
        if ident in fresh["packed_kits"] and ident not in delivered:
            errors.append(
                FieldError(
                    f"must be a packed kit of the order's supplier delivered to the order's "
                    f"{holder or 'patient or site'}",
                    pointer=f"/returns/packed_kits/{i}/packed_kit_id",
                )
            )
    if errors:
        raise ValidationFailed("the order returns what it cannot", errors=errors)

    def stamped(part: str, ident: int, entry: dict[str, Any]) -> dict[str, Any]:
        when = received[part].get(ident)
        return {**entry, "received_at": when} if when else entry

    return {
        "items": [
            stamped("items", r.item_id, {"id": r.item_id, "count": r.count}) for r in returns.items
        ],
        "devices": [stamped("devices", r.device_id, {"id": r.device_id}) for r in returns.devices],
        "packed_kits": [
            stamped("packed_kits", r.packed_kit_id, {"id": r.packed_kit_id, "quantity": r.quantity})
            for r in returns.packed_kits
        ],
    }


async def _supplier_items(
    session: AsyncSession, ids: Sequence[int], supplier_id: int, principal: Principal
) -> set[int]:
    if not ids:
        return set()
    stmt = select(Item.id).where(
        Item.tenant_id == principal.tenant_id, Item.account_id == supplier_id, Item.id.in_(ids)
    )
    return set(await session.scalars(stmt))


async def held_devices(
    session: AsyncSession,
    ids: Sequence[int],
    supplier_id: int,
    patient_id: int | None,
    site_id: int | None,
    principal: Principal,
    *,
    lock: bool = False,
) -> dict[int, Device]:
    """The supplier's devices among ``ids`` that the patient (or site) holds."""
    if not ids or (patient_id is None and site_id is None):
        return {}
    stmt = select(Device).where(
        Device.tenant_id == principal.tenant_id,
        Device.account_id == supplier_id,
        Device.id.in_(ids),
        Device.current_patient_id == patient_id
        if patient_id is not None
        else Device.site_id == site_id,
    )
    if lock:
        stmt = stmt.with_for_update()
    return {d.id: d for d in await session.scalars(stmt)}


async def _delivered_kits(
    session: AsyncSession,
    ids: Sequence[int],
    supplier_id: int,
    patient_id: int | None,
    site_id: int | None,
    principal: Principal,
) -> set[int]:
    """The packed kits among ``ids`` delivered to the patient (or site) by the supplier:
    on an order of theirs that closed, not cancelled."""
    if not ids or (patient_id is None and site_id is None):
        return set()
    stmt = (
        select(PackedKit.id)
        .join(Order, Order.id == PackedKit.order_id)
        .where(
            PackedKit.tenant_id == principal.tenant_id,
            Order.tenant_id == principal.tenant_id,
            PackedKit.id.in_(ids),
            Order.supplier_account_id == supplier_id,
            Order.patient_id == patient_id if patient_id is not None else Order.site_id == site_id,
            Order.status_type == StateType.CLOSED.value,
            Order.status_outcome.is_distinct_from(Outcome.CANCELLED.value),
        )
    )
    return set(await session.scalars(stmt))


def chosen_parts(
    order: Order, receipt: ReturnsReceipt, received: dict[str, dict[int, str]]
) -> dict[str, list[int]]:
    """What the receipt receives, by part; a 422 naming what the returns do not list or
    what was received already."""
    listed = {part: [e["id"] for e in order.returns.get(part, [])] for part in _PARTS}
    if not receipt.names_any:
        chosen = {part: [i for i in ids if i not in received[part]] for part, ids in listed.items()}
        if not any(chosen.values()):
            raise Conflict(
                "nothing to receive: the order returns nothing, or all of it was received"
            )
        return chosen
    errors: list[FieldError] = []
    chosen = {}
    for part, field in _PARTS.items():
        ids = getattr(receipt, field) or []
        for i, ident in enumerate(ids):
            what = part_entry(part, ident)
            if ident not in listed[part]:
                errors.append(
                    FieldError(f"{what} is not in the order's returns", pointer=f"/{field}/{i}")
                )
            elif ident in received[part]:
                errors.append(
                    FieldError(
                        f"{what} was received at {received[part][ident]}", pointer=f"/{field}/{i}"
                    )
                )
            elif ident in ids[:i]:
                errors.append(FieldError("repeats an id given above", pointer=f"/{field}/{i}"))
        chosen[part] = list(dict.fromkeys(ids))
    if errors:
        raise ValidationFailed("the receipt names what the order does not await", errors=errors)
    return chosen


def stamped_received(
    returns: Mapping[str, Any], chosen: Mapping[str, Sequence[int]], now: dt.datetime
) -> dict[str, Any]:
    """``returns`` with ``received_at`` set on the chosen entries (a new dict: the column
    is JSON, replaced whole)."""
    return {
        part: [
            {**entry, "received_at": now.isoformat()} if entry["id"] in chosen[part] else entry
            for entry in returns.get(part, [])
        ]
        for part in _PARTS
    }
