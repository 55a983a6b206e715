"""Fulfilling an order with devices: the supplier assigns units of the items ordered.

A device assigned is the supplier's own, of an item on the order's lines (directly or
inside an ordered kit), no more of an item than were ordered, and on no other open
order; it is then held by the order's patient or site and ``assigned``. Taking it off
an open order puts it back in stock. Each is one change with its timeline event.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.devices.models import Device, DeviceStatus
from orderdesk.errors import Conflict, FieldError, ValidationFailed, not_found
from orderdesk.orders.events import DevicesAssigned, DeviceUnassigned
from orderdesk.orders.models import Order, OrderDevice
from orderdesk.orders.schemas import DeviceAssignment
from orderdesk.orders.service import _record, editable_order, load_order
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal
from orderdesk.workflow.graph import StateType

_PARTIES = (Role.ADMIN, Role.SUPPLIER)


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


async def _on_other_open_orders(
    session: AsyncSession, order: Order, device_ids: list[int]
) -> set[int]:
    """Which of these devices are on an open order other than ``order``."""
    stmt = (
        select(OrderDevice.device_id)
        .join(Order, Order.id == OrderDevice.order_id)
        .where(
            OrderDevice.tenant_id == order.tenant_id,
            Order.tenant_id == order.tenant_id,
            OrderDevice.device_id.in_(device_ids),
            OrderDevice.order_id != order.id,
            Order.status_type != StateType.CLOSED.value,
        )
    )
    return set(await session.scalars(stmt))


async def assign_devices(
    session: AsyncSession, order_id: int, data: DeviceAssignment, *, principal: Principal
) -> Order:
    """Assign ``data.device_ids`` to the open order, by its supplier (or an admin)."""
    order = await editable_order(session, order_id, principal=principal, parties=_PARTIES)
    ids = data.device_ids
    errors: list[FieldError] = []
    seen: set[int] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            errors.append(FieldError("repeats a device given above", pointer=f"/device_ids/{i}"))
        seen.add(ident)
    if errors:
        raise ValidationFailed("a device is given twice", errors=errors)
    # Locked, so that two requests assigning the same device take turns: the second sees
    # the first's assignment (PostgreSQL row locks; SQLite has one writer at a time).
    stmt = (
        select(Device)
        .where(
            Device.tenant_id == order.tenant_id,
            Device.account_id == order.supplier_account_id,
            Device.id.in_(ids),
        )
        .with_for_update()
    )
    devices = {d.id: d for d in await session.scalars(stmt)}
    already = {link.device_id for link in order.device_links}
    wanted = ordered_items(order)
    have = Counter(link.device.item_id for link in order.device_links)
    for i, ident in enumerate(ids):
        device = devices.get(ident)
        pointer = f"/device_ids/{i}"
        if device is None:
            errors.append(FieldError(f"no device {ident} of the order's supplier", pointer=pointer))
        elif ident in already:
            errors.append(FieldError(f"device {ident} is on this order already", pointer=pointer))
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
    taken = await _on_other_open_orders(session, order, ids)
    if taken:
        raise Conflict(
            "a device is assigned to another open order",
            errors=[
                FieldError(f"device {ident} is on another open order", pointer=f"/device_ids/{i}")
                for i, ident in enumerate(ids)
                if ident in taken
            ],
        )
    for ident in ids:
        device = devices[ident]
        device.current_patient_id = order.patient_id
        device.site_id = order.site_id
        device.current_status = DeviceStatus.ASSIGNED
        session.add(OrderDevice(tenant_id=order.tenant_id, order_id=order.id, device_id=ident))
    _record(session, order, DevicesAssigned(device_ids=ids), principal)
    await session.flush()
    return await load_order(session, order.id, principal)


async def unassign_device(
    session: AsyncSession, order_id: int, device_id: int, *, principal: Principal
) -> Order:
    """Take a device off the open order: back in stock, held by nobody."""
    order = await editable_order(session, order_id, principal=principal, parties=_PARTIES)
    link = next((d for d in order.device_links if d.device_id == device_id), None)
    if link is None:
        raise not_found("device", device_id)
    device = link.device
    device.current_patient_id = None
    device.site_id = None
    device.current_status = DeviceStatus.IN_STOCK
    order.device_links.remove(link)  # delete-orphan: the row goes
    _record(session, order, DeviceUnassigned(device_id=device_id), principal)
    await session.flush()
    return await load_order(session, order.id, principal)
