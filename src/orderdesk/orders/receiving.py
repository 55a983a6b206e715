"""The supplier's receipt of what came back with an order (its ``returns``).

Each part received gets its ``received_at``; each device received, directly or in a
packed kit, is ``returned``, held by nobody, and no longer held by the order it went
out on, so it is free for another order. One change, with its timeline event.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db import utcnow
from orderdesk.errors import Conflict, FieldError
from orderdesk.orders import custody, returns
from orderdesk.orders.events import ReturnsReceived
from orderdesk.orders.models import Order, OrderDevice, PackedKitDevice
from orderdesk.orders.schemas import ReturnsReceipt
from orderdesk.orders.service import load_order, record
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal


async def receive_returns(
    session: AsyncSession,
    order_id: int,
    receipt: ReturnsReceipt,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """The supplier (or an admin) records what came back of the order's returns."""
    principal.require(Role.ADMIN, Role.SUPPLIER)
    order = await load_order(session, order_id, principal, for_update=True)
    order.check_version(expected_version)
    received = returns.received_parts(order.returns)
    chosen = returns.chosen_parts(order, receipt, received)
    in_kits = (
        list(
            await session.scalars(
                select(PackedKitDevice.device_id).where(
                    PackedKitDevice.tenant_id == order.tenant_id,
                    PackedKitDevice.packed_kit_id.in_(chosen["packed_kits"]),
                )
            )
        )
        if chosen["packed_kits"]
        else []
    )
    held = await returns.held_devices(
        session,
        [*chosen["devices"], *in_kits],
        order.supplier_account_id,
        order.patient_id,
        order.site_id,
        principal,
        lock=True,
    )
    gone = [
        ident
        for ident in chosen["devices"]
        if ident not in held or held[ident].current_status not in returns.OUT
    ]
    if gone:
        raise Conflict(
            "a returned device is no longer with the order's patient or site",
            errors=[
                FieldError(f"device {ident} is no longer with them", pointer="/device_ids")
                for ident in gone
            ],
        )
    back = [d for d in held.values() if d.current_status in returns.OUT]
    for device in back:
        custody.take_back(session, device, principal)
    now = utcnow()
    if back:
        links = await session.scalars(
            select(OrderDevice).where(
                OrderDevice.tenant_id == order.tenant_id,
                OrderDevice.device_id.in_([d.id for d in back]),
                OrderDevice.returned_at.is_(None),
            )
        )
        for link in links:
            link.returned_at = now
    order.returns = returns.stamped_received(order.returns, chosen, now)
    record(
        session,
        order,
        ReturnsReceived(
            device_ids=chosen["devices"],
            packed_kit_ids=chosen["packed_kits"],
            item_ids=chosen["items"],
        ),
        principal,
    )
    await session.flush()
    return await load_order(session, order.id, principal)
