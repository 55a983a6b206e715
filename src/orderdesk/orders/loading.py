"""Loading orders with everything their read model shows, in few statements.

``ORDER_LOAD`` joins what each row names (accounts, patient, item and maker) into the
query of that row and reads the lines, for every order of a page, in one more query.
The collections most orders have none of (``RARE_COLLECTIONS``) are read afterwards by
``load_collections``: one statement tells which of the page's orders have any, and only
a collection some order has costs a query of its own. Every relationship of an order
raises when read unloaded, so whatever reads an order must go through both.
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
    selectinload(Order.lines).options(
        joinedload(OrderLine.item).joinedload(Item.manufacturer),
        joinedload(OrderLine.kit).options(_KIT_CONTENTS),
        joinedload(OrderLine.product),
    ),
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
    """Give each of ``orders`` (one tenant's, read with ``ORDER_LOAD``) its rare
    collections as stored now, replacing whatever the session held of them."""
    if not orders:
        return
    tenant_id = orders[0].tenant_id
    ids = {order.id for order in orders}
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
        found: dict[int, list[Any]] = defaultdict(list)
        if owners[name]:
            rows = await session.scalars(
                select(model)
                .where(model.tenant_id == tenant_id, model.order_id.in_(owners[name]))
                .options(*RARE_COLLECTIONS[name])
                .order_by(model.id)
                .execution_options(populate_existing=True)
            )
            for row in rows.unique():
                found[row.order_id].append(row)
        for order in orders:
            set_committed_value(order, name, found.get(order.id, []))
