"""Every table, imported in one place for Alembic and the test set-up."""

from orderdesk.audit.models import AuditEntity, AuditEvent
from orderdesk.catalog.models import Item, Kit, KitItem, Manufacturer, Product
from orderdesk.db import Base
from orderdesk.devices.models import Device, DeviceEvent, DeviceIdentifier
from orderdesk.idempotency.models import IdempotencyRecord
from orderdesk.orders.models import (
    Order,
    OrderEvent,
    OrderExternalId,
    OrderLine,
    OrderNote,
    OrderTag,
    TrackingNumber,
)
from orderdesk.orderschemas.models import OrderSchema
from orderdesk.parties.models import Patient, Site
from orderdesk.projects.models import Project
from orderdesk.tenancy.models import Account, Credential, SigningKey, Tenant
from orderdesk.webhooks.models import WebhookDelivery, WebhookSubscription
from orderdesk.workflow.models import WorkflowRecord, WorkflowVersion

__all__ = [
    "Account",
    "AuditEntity",
    "AuditEvent",
    "Base",
    "Credential",
    "Device",
    "DeviceEvent",
    "DeviceIdentifier",
    "IdempotencyRecord",
    "Item",
    "Kit",
    "KitItem",
    "Manufacturer",
    "Order",
    "OrderEvent",
    "OrderExternalId",
    "OrderLine",
    "OrderNote",
    "OrderSchema",
    "OrderTag",
    "Patient",
    "Product",
    "Project",
    "SigningKey",
    "Site",
    "Tenant",
    "TrackingNumber",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkflowRecord",
    "WorkflowVersion",
]
