"""Every table, imported in one place for Alembic and the test set-up."""

from orderdesk.catalog.models import Item, Kit, KitItem, Manufacturer, Product
from orderdesk.db import Base
from orderdesk.orders.models import (
    Order,
    OrderEvent,
    OrderExternalId,
    OrderLine,
    OrderNote,
    OrderTag,
    TrackingNumber,
)
from orderdesk.parties.models import Patient, Site
from orderdesk.tenancy.models import Account, Credential, Tenant

__all__ = [
    "Account",
    "Base",
    "Credential",
    "Item",
    "Kit",
    "KitItem",
    "Manufacturer",
    "Order",
    "OrderEvent",
    "OrderExternalId",
    "OrderLine",
    "OrderNote",
    "OrderTag",
    "Patient",
    "Product",
    "Site",
    "Tenant",
    "TrackingNumber",
]
