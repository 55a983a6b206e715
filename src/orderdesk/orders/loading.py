"""Loading orders with everything their read model shows, in few statements.

``ORDER_LOAD`` joins what each order names (accounts, patient, site) into the query of
the orders. ``load_collections`` then reads, for every order of a page at once, the lines
(each joined with what it names) in one query, and the collections most orders have
none of (``RARE_COLLECTIONS``): one statement tells which of the page's orders have any,
and only a collection some order has costs a query of its own. Every relationship of an
order raises when read unloaded, so whatever reads an order goes through both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import ORMOption

from orderdesk.catalog.models import Item, Kit, KitItem
from orderdesk.devices.models import Device
from orderdesk.orders.models import Order, OrderDevice, OrderLine, OrderNote, PackedKit
from orderdesk.parties.models import Patient

#: A kit with what it holds, each item with its maker.
_KIT_CONTENTS = selectinload(Kit.kit_items).joinedload(KitItem.item).joinedload(Item.manufacturer)

#: The options of every query that reads orders for their read model.
ORDER_LOAD: Sequence[ORMOption] = (
    joinedload(Order.customer),
    joinedload(Order.supplier),
    joinedload(Order.patient).joinedload(Patient.site),
    joinedload(Order.site),
)

#: What each line of an order needs loaded.
_LINE_LOAD = (
    joinedload(OrderLine.item).joinedload(Item.manufacturer),
    joinedload(OrderLine.kit).options(_KIT_CONTENTS),
    joinedload(OrderLine.product),
)

#: The collections ``load_collections`` reads, with what each of their rows needs loaded.
#: Each is ordered by id, as its relationship is.
RARE_COLLECTIONS: dict[str, tuple[ORMOption, ...]] = {
    "external_ids": (),
    "tags": (),
    "notes": (joinedload(OrderNote.account),),
    "tracking_numbers": (),
    "device_links": (
        joinedload(OrderDevice.device).options(
            joinedload(Device.item).joinedload(Item.manufacturer),
            joinedload(Device.current_patient).joinedload(Patient.site),
            joinedload(Device.site),
            selectinload(Device.identifiers),
            selectinload(Device.events),
        ),
    ),
    "packed_kits": (
        joinedload(PackedKit.kit).options(_KIT_CONTENTS),
        selectinload(PackedKit.device_links),
    ),
}

_TARGETS: dict[str, Any] = {
    name: Order.__mapper__.relationships[name].mapper.class_ for name in RARE_COLLECTIONS
}


async def load_collections(session: AsyncSession, orders: Sequence[Order]) -> None:
    """Give each of ``orders`` (one tenant's, read with ``ORDER_LOAD``) its lines and its
    rare collections as stored now, replacing whatever the session held of them. Each
    query names the tenant, so it reads the (tenant, order) index of its table."""
    if not orders:
        return
    tenant_id = orders[0].tenant_id
    ids = {order.id for order in orders}
    lines = await _rows(session, OrderLine, tenant_id, ids, _LINE_LOAD, OrderLine.position)
    for order in orders:
        set_committed_value(order, "lines", lines.get(order.id, []))
    which = union_all(
        *(
            select(literal(name).label("collection"), model.order_id)
            .where(model.tenant_id == tenant_id, model.order_id.in_(ids))
            .group_by(model.order_id)
            for name, model in _TARGETS.items()
        )
    )
    owners: dict[str, set[int]] = defaultdict(set)
    for name, order_id in await session.execute(which):
        owners[name].add(order_id)
    for name, model in _TARGETS.items():
        found = (
            await _rows(session, model, tenant_id, owners[name], RARE_COLLECTIONS[name], model.id)
            if owners[name]
            else {}
        )
        for order in orders:
            set_committed_value(order, name, found.get(order.id, []))


async def _rows(
    session: AsyncSession,
    model: Any,
    tenant_id: int,
    order_ids: set[int],
    options: Sequence[ORMOption],
    order_by: Any,
) -> dict[int, list[Any]]:
    """The rows of ``model`` that belong to these orders, by order, each order's in
    ``order_by`` order (as its relationship orders them)."""
    rows = await session.scalars(
        select(model)
        .where(model.tenant_id == tenant_id, model.order_id.in_(order_ids))
        .options(*options)
        .order_by(model.order_id, order_by)
        .execution_options(populate_existing=True)
    )
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows.unique():
        found[row.order_id].append(row)
    return found
