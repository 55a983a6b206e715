"""Fulfilling an order: the supplier assigns units of the items ordered and packs kits.

A device assigned is the supplier's own, of an item on the order's lines (directly or
inside an ordered kit), no more of an item than were ordered, on no other open order,
and not retired or out with someone else; it is then held by the order's patient or
site and ``assigned`` (``orders.custody``). A packed kit is one of the order's kits,
holding units of the kit's items, no more of an item than the kit holds. While the
order is open and a device has not shipped, it can be taken off the order (back in
stock) and a kit unpacked (its devices stay assigned). Each is one change with its
timeline event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.devices.models import Device, DeviceStatus
from orderdesk.devices.service import record_device_event
from orderdesk.errors import Conflict, FieldError, ValidationFailed, not_found
from orderdesk.orders import custody
from orderdesk.orders.events import DevicesAssigned, DeviceUnassigned, KitPacked, KitUnpacked
from orderdesk.orders.models import Order, OrderDevice, PackedKit, PackedKitDevice
from orderdesk.orders.schemas import DeviceAssignment, KitPacking
from orderdesk.orders.service import editable_order, load_order, record
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal
from orderdesk.workflow.graph import StateType

_PARTIES = (Role.ADMIN, Role.SUPPLIER)
#: A device may go out on an order from these; any other is with someone, or retired.
_ASSIGNABLE = frozenset({DeviceStatus.IN_STOCK, DeviceStatus.RETURNED})


def ordered_items(order: Order) -> Counter[int]:
    """How many units of each item the order asks for: its item lines, and each ordered
    kit's items times the kit line's count."""
    wanted: Counter[int] = Counter()
    for line in order.lines:
        if line.item_id is not None:
            wanted[line.item_id] += line.count
        elif line.kit is not None:
            for kit_item in line.kit.kit_items:
                wanted[kit_item.item_id] += kit_item.count * line.count
    return wanted


def _repeats(ids: Sequence[int], field: str) -> None:
    seen: set[int] = set()
    errors: list[FieldError] = []
    for i, ident in enumerate(ids):
        if ident in seen:
            errors.append(FieldError("repeats a device given above", pointer=f"/{field}/{i}"))
        seen.add(ident)
    if errors:
        raise ValidationFailed("a device is given twice", errors=errors)


async def _locked_devices(
    session: AsyncSession, order: Order, ids: Sequence[int]
) -> dict[int, Device]:
    """The order's supplier's devices among ``ids``, locked so that two requests assigning
    the same device take turns: the second sees the first's assignment (PostgreSQL row
    locks; SQLite has one writer at a time)."""
    if not ids:
        return {}
    stmt = (
        select(Device)
        .where(
            Device.tenant_id == order.tenant_id,
            Device.account_id == order.supplier_account_id,
            Device.id.in_(ids),
        )
        .with_for_update()
    )
    return {d.id: d for d in await session.scalars(stmt)}


async def _on_other_open_orders(
    session: AsyncSession, order: Order, device_ids: Sequence[int]
) -> set[int]:
    """Which of these devices are held by an open order other than ``order``."""
    stmt = (
        select(OrderDevice.device_id)
        .join(Order, Order.id == OrderDevice.order_id)
        .where(
            OrderDevice.tenant_id == order.tenant_id,
            Order.tenant_id == order.tenant_id,
            OrderDevice.device_id.in_(device_ids),
            OrderDevice.order_id != order.id,
            OrderDevice.returned_at.is_(None),
            Order.status_type != StateType.CLOSED.value,
        )
    )
    return set(await session.scalars(stmt))


async def _assign(
    session: AsyncSession,
    order: Order,
    ids: Sequence[int],
    devices: dict[int, Device],
    principal: Principal,
    *,
    field: str,
    places: Sequence[int] | None = None,
) -> None:
    """Put the devices ``ids`` (all loaded, locked, in ``devices``) on the order, or raise
    naming each one that cannot go (``/{field}/{i}``, ``i`` its place in the request:
    ``places[n]`` for ``ids[n]``, by default ``n``)."""
    if not ids:
        return
    at = list(places) if places is not None else list(range(len(ids)))
    taken = await _on_other_open_orders(session, order, ids)
    if taken:
        raise Conflict(
            "a device is assigned to another open order",
            errors=[
                FieldError(f"device {ident} is on another open order", pointer=f"/{field}/{i}")
                for i, ident in zip(at, ids, strict=True)
                if ident in taken
            ],
        )
    wanted = ordered_items(order)
    have = Counter(link.device.item_id for link in order.active_device_links)
    errors: list[FieldError] = []
    for i, ident in zip(at, ids, strict=True):
        device = devices[ident]
        pointer = f"/{field}/{i}"
        if device.current_status not in _ASSIGNABLE:
            errors.append(
                FieldError(
                    f"device {ident} is {device.current_status.value}; only a device in "
                    "stock or returned can be assigned",
                    pointer=pointer,
                )
            )
        elif device.item_id not in wanted:
            errors.append(
                FieldError(
                    f"device {ident} is a unit of item {device.item_id}, which the order "
                    "does not ask for (directly or in a kit)",
                    pointer=pointer,
                )
            )
        else:
            have[device.item_id] += 1
            if have[device.item_id] > wanted[device.item_id]:
                errors.append(
                    FieldError(
                        f"the order asks for {wanted[device.item_id]} of item "
                        f"{device.item_id}; device {ident} would be one more",
                        pointer=pointer,
                    )
                )
    if errors:
        raise ValidationFailed("the devices cannot all be assigned to the order", errors=errors)
    for ident in ids:
        custody.hand_over(session, order, devices[ident], principal, event="assigned")
        session.add(OrderDevice(tenant_id=order.tenant_id, order_id=order.id, device_id=ident))


def _unknown(ids: Sequence[int], devices: dict[int, Device], field: str) -> None:
    errors = [
        FieldError(f"no device {ident} of the order's supplier", pointer=f"/{field}/{i}")
        for i, ident in enumerate(ids)
        if ident not in devices
    ]
    if errors:
        raise ValidationFailed("the order's supplier has no such device", errors=errors)


async def assign_devices(
    session: AsyncSession,
    order_id: int,
    data: DeviceAssignment,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """Assign ``data.device_ids`` to the open order, by its supplier (or an admin)."""
    order = await editable_order(
        session, order_id, principal=principal, expected_version=expected_version, parties=_PARTIES
    )
    ids = data.device_ids
    _repeats(ids, "device_ids")
    devices = await _locked_devices(session, order, ids)
    _unknown(ids, devices, "device_ids")
    on_it = {link.device_id for link in order.active_device_links}
    already = [
        FieldError(f"device {ident} is on this order already", pointer=f"/device_ids/{i}")
        for i, ident in enumerate(ids)
        if ident in on_it
    ]
    if already:
        raise ValidationFailed("the devices cannot all be assigned to the order", errors=already)
    await _assign(session, order, ids, devices, principal, field="device_ids")
    record(session, order, DevicesAssigned(device_ids=list(ids)), principal)
    await session.flush()
    return await load_order(session, order.id, principal)


def _not_shipped(device: Device, what: str) -> None:
    if device.current_status is not DeviceStatus.ASSIGNED:
        raise Conflict(
            f"device {device.id} is {device.current_status.value}; {what} only before it ships"
        )


async def unassign_device(
    session: AsyncSession,
    order_id: int,
    device_id: int,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """Take a device off the open order before it ships: back in stock, held by nobody,
    and out of the packed kit it was in."""
    order = await editable_order(
        session, order_id, principal=principal, expected_version=expected_version, parties=_PARTIES
    )
    link = next((d for d in order.active_device_links if d.device_id == device_id), None)
    if link is None:
        raise not_found("device", device_id)
    _not_shipped(link.device, "a device comes off its order")
    for packed in order.packed_kits:
        packed.device_links = [d for d in packed.device_links if d.device_id != device_id]
    custody.put_back(session, link.device, principal, event="unassigned")
    order.device_links.remove(link)  # delete-orphan: the row goes
    record(session, order, DeviceUnassigned(device_id=device_id), principal)
    await session.flush()
    return await load_order(session, order.id, principal)


def _kits_ordered(order: Order, kit_id: int) -> int:
    return sum(line.count for line in order.lines if line.kit_id == kit_id)


async def pack_kit(
    session: AsyncSession,
    order_id: int,
    data: KitPacking,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """Pack one of the order's kits with ``data.device_ids``, assigning those not on the
    order yet (by its supplier, or an admin)."""
    order = await editable_order(
        session, order_id, principal=principal, expected_version=expected_version, parties=_PARTIES
    )
    ordered = _kits_ordered(order, data.kit_id)
    if not ordered:
        raise ValidationFailed(
            f"the order does not ask for kit {data.kit_id}",
            errors=[FieldError("must be a kit on the order's lines", pointer="/kit_id")],
        )
    if sum(p.kit_id == data.kit_id for p in order.packed_kits) >= ordered:
        raise Conflict(
            f"the order asks for {ordered} of kit {data.kit_id}, and all are packed",
            errors=[FieldError("every ordered kit of this id is packed", pointer="/kit_id")],
        )
    ids = data.device_ids
    _repeats(ids, "device_ids")
    devices = await _locked_devices(session, order, ids)
    _unknown(ids, devices, "device_ids")
    on_it = {link.device_id: link.device for link in order.active_device_links}
    devices.update({ident: on_it[ident] for ident in ids if ident in on_it})
    kit = next(line.kit for line in order.lines if line.kit_id == data.kit_id and line.kit)
    kit_holds = Counter({k.item_id: k.count for k in kit.kit_items})
    holds = kit_holds.copy()
    packed = {d.device_id for p in order.packed_kits for d in p.device_links}
    errors: list[FieldError] = []
    for i, ident in enumerate(ids):
        device, pointer = devices[ident], f"/device_ids/{i}"
        holds[device.item_id] -= 1
        if ident in packed:
            errors.append(FieldError(f"device {ident} is in another packed kit", pointer=pointer))
        elif device.item_id not in kit_holds:
            errors.append(
                FieldError(
                    f"device {ident} is a unit of item {device.item_id}, which kit {kit.id} "
                    "does not hold",
                    pointer=pointer,
                )
            )
        elif ident in on_it and device.current_status is not DeviceStatus.ASSIGNED:
            errors.append(
                FieldError(f"device {ident} is {device.current_status.value}", pointer=pointer)
            )
        elif holds[device.item_id] < 0:
            errors.append(
                FieldError(
                    f"kit {kit.id} holds {kit_holds[device.item_id]} of item "
                    f"{device.item_id}; device {ident} would be one more",
                    pointer=pointer,
                )
            )
    if errors:
        raise ValidationFailed("the devices do not fit the kit", errors=errors)
    fresh = [(i, ident) for i, ident in enumerate(ids) if ident not in on_it]
    await _assign(
        session,
        order,
        [ident for _, ident in fresh],
        devices,
        principal,
        field="device_ids",
        places=[i for i, _ in fresh],
    )
    packed_kit = PackedKit(
        tenant_id=order.tenant_id,
        kit_id=data.kit_id,
        external_identifier=data.external_identifier,
        device_links=[PackedKitDevice(tenant_id=order.tenant_id, device_id=i) for i in ids],
    )
    order.packed_kits.append(packed_kit)
    for ident in ids:
        record_device_event(session, devices[ident], "packed", principal)
    await session.flush()
    record(
        session,
        order,
        KitPacked(
            packed_kit_id=packed_kit.id,
            kit_id=data.kit_id,
            external_identifier=data.external_identifier,
            device_ids=list(ids),
        ),
        principal,
    )
    await session.flush()
    return await load_order(session, order.id, principal)


async def unpack_kit(
    session: AsyncSession,
    order_id: int,
    packed_kit_id: int,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """Take a packed kit of the open order apart before it ships; its devices stay
    assigned to the order."""
    order = await editable_order(
        session, order_id, principal=principal, expected_version=expected_version, parties=_PARTIES
    )
    packed = next((p for p in order.packed_kits if p.id == packed_kit_id), None)
    if packed is None:
        raise not_found("packed kit", packed_kit_id)
    devices = {link.device_id: link.device for link in order.active_device_links}
    for member in packed.device_links:
        if (device := devices.get(member.device_id)) is not None:
            _not_shipped(device, "a kit is unpacked")
            record_device_event(session, device, "unpacked", principal)
    order.packed_kits.remove(packed)  # delete-orphan: it and its device rows go
    record(
        session, order, KitUnpacked(packed_kit_id=packed_kit_id, kit_id=packed.kit_id), principal
    )
    await session.flush()
    return await load_order(session, order.id, principal)
