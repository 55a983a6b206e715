"""Which orders a surface shows: each vendor's document can describe only some orders
truthfully, and a surface lists, counts and fetches only those, and places only those.

Each set is a SQL condition on ``orders`` (so a surface's lists page and count in the
database, and a fetch of an order outside its set is the same 404 as a missing id) and
the same rule on an ``OrderCreate`` (so a surface never places an order it could not
show).
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, exists, or_

from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.orders.models import Order, OrderLine
from orderdesk.orders.schemas import OrderCreate


class RecipientRequired(ValidationFailed):
    """The order names neither a patient nor a site, and its set needs one."""

    code = "recipient_required"


class OrderSet(enum.StrEnum):
    """A set of orders, named by what its orders have."""

    EVERY = "every"
    #: Orders for a patient or a site with at least one item or kit line (Impilo's order
    #: model: "at least one of orderItems or orderKits", for exactly one of them).
    ITEMS_OR_KITS_FOR_A_RECIPIENT = "items_or_kits_for_a_recipient"
    #: Orders made from one product, a supplier's record (Record Stack Overflow's).
    FROM_A_PRODUCT = "from_a_product"

    def conditions(self) -> tuple[ColumnElement[bool], ...]:
        """The SQL conditions an order of the set meets (none for every order)."""
        if self is OrderSet.ITEMS_OR_KITS_FOR_A_RECIPIENT:
            return (
                or_(Order.patient_id.is_not(None), Order.site_id.is_not(None)),
                exists().where(
                    OrderLine.tenant_id == Order.tenant_id,
                    OrderLine.order_id == Order.id,
                    or_(OrderLine.item_id.is_not(None), OrderLine.kit_id.is_not(None)),
                ),
            )
        if self is OrderSet.FROM_A_PRODUCT:
            return (Order.product_id.is_not(None),)
        return ()

    def check_placement(self, data: OrderCreate) -> None:
        """Refuse (422) an order that would not be in the set, naming what it lacks."""
        if self is OrderSet.ITEMS_OR_KITS_FOR_A_RECIPIENT:
            if data.patient_id is None and data.site_id is None:
                raise RecipientRequired(
                    "the order must be for a patient or a site",
                    errors=[
                        FieldError("give a patient_id or a site_id", pointer=p)
                        for p in ("/patient_id", "/site_id")
                    ],
                )
            if not any(line.item_id or line.kit_id for line in data.lines):
                raise ValidationFailed(
                    "the order needs an item or kit line",
                    errors=[FieldError("give at least one item or kit line", pointer="/lines")],
                )
        if self is OrderSet.FROM_A_PRODUCT and data.product_id is None:
            raise ValidationFailed(
                "the order must be made from a product",
                errors=[FieldError("required", pointer="/product_id")],
            )
