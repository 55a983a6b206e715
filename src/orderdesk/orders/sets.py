"""Which orders a surface shows: each vendor's document can describe only some orders
truthfully, and a surface lists, counts and fetches only those.

Each set is a SQL condition on ``orders``, so a surface's lists page and count in the
database and a fetch of an order outside its set is the same 404 as a missing id.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, exists, or_

from orderdesk.orders.models import Order, OrderLine


class OrderSet(enum.StrEnum):
    """A set of orders, named by what its orders have."""

    EVERY = "every"
    #: Orders with at least one item or kit line (Impilo's order model).
    WITH_ITEMS_OR_KITS = "with_items_or_kits"
    #: Orders made from one product, a supplier's record (Record Stack Overflow's).
    FROM_A_PRODUCT = "from_a_product"

    def conditions(self) -> tuple[ColumnElement[bool], ...]:
        """The SQL conditions an order of the set meets (none for every order)."""
        if self is OrderSet.WITH_ITEMS_OR_KITS:
            return (
                exists().where(
                    OrderLine.tenant_id == Order.tenant_id,
                    OrderLine.order_id == Order.id,
                    or_(OrderLine.item_id.is_not(None), OrderLine.kit_id.is_not(None)),
                ),
            )
        if self is OrderSet.FROM_A_PRODUCT:
            return (Order.product_id.is_not(None),)
        return ()
