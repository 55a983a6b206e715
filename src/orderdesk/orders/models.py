"""Orders and everything that hangs off one. Every change also lands in ``order_events``."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderdesk.catalog.models import Item, Kit, Product
from orderdesk.db import Base, BigId, TenantOwned, Versioned, same_tenant, str_enum, utcnow
from orderdesk.devices.models import Device
from orderdesk.errors import Conflict, check_version
from orderdesk.parties.models import Patient, Site
from orderdesk.schemas import Address
from orderdesk.tenancy.models import Account, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.workflow.graph import Outcome, State, StateType


class ShippingOption(enum.StrEnum):
    STANDARD = "standard"
    OVERNIGHT = "overnight"


class EventKind(enum.StrEnum):
    """What a timeline event records; its data is the payload model of ``orders.events``."""

    CREATED = "created"  # the order was placed: OrderCreated
    CHANGED = "changed"  # fields were edited: OrderChanged
    STATUS_MOVED = "status_moved"  # a workflow move: OrderStatusMoved
    NOTE_ADDED = "note_added"  # NoteAdded
    TRACKING_ADDED = "tracking_added"  # TrackingAdded
    CANCELLED = "cancelled"  # a move to a cancelled state: OrderCancelled
    DEVICES_ASSIGNED = "devices_assigned"  # DevicesAssigned
    DEVICE_UNASSIGNED = "device_unassigned"  # DeviceUnassigned
    KIT_PACKED = "kit_packed"  # KitPacked
    KIT_UNPACKED = "kit_unpacked"  # KitUnpacked
    RETURNS_RECEIVED = "returns_received"  # ReturnsReceived


#: How many tags, and how many external ids, an order holds at most.
TAGS_MAX = 50
EXTERNAL_IDS_MAX = 20

#: The addresses an edit replaces whole, or only in the fields a surface shows.
ADDRESS_FIELDS = frozenset({"shipping_address", "billing_address"})


class Change(NamedTuple):
    """What an edit did to one field."""

    before: Any
    after: Any


class Order(TenantOwned, Versioned, Base):
    """What a customer asks a supplier for."""

    __tablename__ = "orders"
    __table_args__ = (
        Index(None, "tenant_id", "customer_account_id", "id"),
        Index(None, "tenant_id", "supplier_account_id", "id"),
        # A party's orders in one status, in id order: a clinic's or a lab's work list,
        # read a page at a time however many orders the tenant holds.
        Index(None, "tenant_id", "customer_account_id", "status_id", "id"),
        Index(None, "tenant_id", "supplier_account_id", "status_id", "id"),
        Index(None, "tenant_id", "status_id", "id"),
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "patient_id"),
        Index(None, "tenant_id", "site_id"),
        Index(None, "tenant_id", "project_id", "id"),
        CheckConstraint("patient_id IS NULL OR site_id IS NULL", name="patient_or_site"),
    )

    customer_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    supplier_account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"))
    patient_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("patients.id"))
    site_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sites.id"))

    # The product and its price as they were when the order was placed.
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("products.id"))
    product_name: Mapped[str | None] = mapped_column(String(200))
    price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(10))
    discount: Mapped[str | None] = mapped_column(String(100))

    # The workflow version the order started with; editing the workflow never strands it.
    workflow_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("workflow_versions.id"))
    status_id: Mapped[str] = mapped_column(String(100))
    status_name: Mapped[str] = mapped_column(String(100))
    status_type: Mapped[str] = mapped_column(String(20))
    status_outcome: Mapped[str | None] = mapped_column(String(20))

    memo: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The clinical case: the patient's medical records and the treatments planned (PHI).
    medical_records: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    treatments: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    shipping_option: Mapped[ShippingOption] = mapped_column(
        str_enum(ShippingOption), default=ShippingOption.STANDARD
    )
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    project_id: Mapped[int] = mapped_column(BigId, ForeignKey("projects.id"))
    schema_name: Mapped[str | None] = mapped_column(String(100))  # the order schema `data` met
    email_label: Mapped[bool] = mapped_column(Boolean, default=False)
    comments: Mapped[list[str]] = mapped_column(JSON, default=list)
    returns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    customer: Mapped[Account] = relationship(
        primaryjoin=same_tenant("Order.customer_account_id == Account.id"),
        lazy="raise",
        foreign_keys=[customer_account_id],
    )
    supplier: Mapped[Account] = relationship(
        primaryjoin=same_tenant("Order.supplier_account_id == Account.id"),
        lazy="raise",
        foreign_keys=[supplier_account_id],
    )
    patient: Mapped[Patient | None] = relationship(
        primaryjoin=same_tenant("Order.patient_id == Patient.id"), lazy="raise"
    )
    site: Mapped[Site | None] = relationship(
        primaryjoin=same_tenant("Order.site_id == Site.id"), lazy="raise"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        primaryjoin=same_tenant("Order.id == OrderLine.order_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrderLine.position",
    )
    external_ids: Mapped[list[OrderExternalId]] = relationship(
        primaryjoin=same_tenant("Order.id == OrderExternalId.order_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrderExternalId.id",
    )
    tags: Mapped[list[OrderTag]] = relationship(
        primaryjoin=same_tenant("Order.id == OrderTag.order_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrderTag.id",
    )
    notes: Mapped[list[OrderNote]] = relationship(
        primaryjoin=same_tenant("Order.id == OrderNote.order_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrderNote.id",
    )
    tracking_numbers: Mapped[list[TrackingNumber]] = relationship(
        primaryjoin=same_tenant("Order.id == TrackingNumber.order_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="TrackingNumber.id",
    )
    device_links: Mapped[list[OrderDevice]] = relationship(
        primaryjoin=same_tenant("Order.id == OrderDevice.order_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="OrderDevice.id",
    )
    packed_kits: Mapped[list[PackedKit]] = relationship(
        primaryjoin=same_tenant("Order.id == PackedKit.order_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="PackedKit.id",
        back_populates="order",
    )

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.role is Role.CUSTOMER:
            return cls.customer_account_id == principal.account_id
        if principal.role is Role.SUPPLIER:
            return cls.supplier_account_id == principal.account_id
        return sql_true()  # no condition (one the planner could mistake for an index)

    def enter(self, state: State) -> None:
        """Be in ``state`` from now on; whether the move is allowed is the workflow's to say."""
        self.status_id = state.id
        self.status_name = state.name
        self.status_type = state.type.value
        self.status_outcome = state.outcome.value if state.outcome else None

    @property
    def is_closed(self) -> bool:
        return self.status_type == StateType.CLOSED

    @property
    def is_delivered(self) -> bool:
        """Closed, and not cancelled: what it carried reached its patient or site."""
        return self.is_closed and self.status_outcome != Outcome.CANCELLED

    @property
    def active_device_links(self) -> list[OrderDevice]:
        """The devices on the order that have not come back since."""
        return [link for link in self.device_links if link.returned_at is None]

    def ensure_open(self) -> None:
        """A closed order cannot change: 409."""
        if self.is_closed:
            raise Conflict(f"order {self.id} is closed ({self.status_name}); it cannot change")

    def check_version(self, expected: int | None) -> None:
        """The caller saw this order at version ``expected`` (None: it does not say); a
        later version means its edit would undo changes it never saw: 412."""
        check_version("order", self, expected)

    def edit(self, changes: Mapping[str, Any]) -> dict[str, Change]:
        """Set each field ``changes`` names and return the ones whose value really changed.

        External ids and tags are lists of values. An address is a JSON merge patch
        (RFC 7396) of the stored one: a field given replaces it, a field given as null
        removes it, a field left out stays; ``None`` for the whole address removes it.
        (A surface that replaces a whole group sends every field it has, null for those
        it clears.)"""
        diff: dict[str, Change] = {}
        for field, value in changes.items():
            if field in ADDRESS_FIELDS and value is not None:
                value = merged_address(getattr(self, field), value)
            before = self._replace(field, value)
            if before != value:
                diff[field] = Change(before, value)
        return diff

    def values_of(self, field: str) -> list[str]:
        """The values of the list ``field``: ``tags`` or ``external_order_ids``."""
        if field == "tags":
            return [tag.value for tag in self.tags]
        if field == "external_order_ids":
            return [external.value for external in self.external_ids]
        raise ValueError(f"{field} is no list of values of an order")

    def _replace(self, field: str, value: Any) -> Any:
        """Set one field; its value before. External ids and tags are rows, replaced only
        when their values differ."""
        if field == "external_order_ids":
            before: Any = [e.value for e in self.external_ids]
            if before != value:
                self.external_ids = [
                    OrderExternalId(tenant_id=self.tenant_id, value=v) for v in value
                ]
        elif field == "tags":
            before = [t.value for t in self.tags]
            if before != value:
                self.tags = [OrderTag(tenant_id=self.tenant_id, value=v) for v in value]
        else:
            before = getattr(self, field)
            setattr(self, field, value)
        return before


def merged_address(
    stored: Mapping[str, Any] | None, patch: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``stored`` with the merge patch ``patch`` applied (null removes a field), in the
    address's own field order; None when no field is left."""
    merged = {**(stored or {}), **patch}
    return {
        name: merged[name] for name in Address.model_fields if merged.get(name) is not None
    } or None


class OrderLine(TenantOwned, Base):
    """An item, a kit or a product, a number of times."""

    __tablename__ = "order_lines"
    __table_args__ = (
        Index(None, "tenant_id", "order_id"),
        CheckConstraint(
            "(CASE WHEN item_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN kit_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN product_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        CheckConstraint("count > 0", name="count_positive"),
    )

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("items.id"))
    kit_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("kits.id"))
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("products.id"))
    count: Mapped[int] = mapped_column(Integer)
    suite_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    determination_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    item: Mapped[Item | None] = relationship(
        primaryjoin=same_tenant("OrderLine.item_id == Item.id"), lazy="raise"
    )
    kit: Mapped[Kit | None] = relationship(
        primaryjoin=same_tenant("OrderLine.kit_id == Kit.id"), lazy="raise"
    )
    product: Mapped[Product | None] = relationship(
        primaryjoin=same_tenant("OrderLine.product_id == Product.id"), lazy="raise"
    )


class OrderExternalId(TenantOwned, Base):
    """A client's own id for an order; several per order, searchable."""

    __tablename__ = "order_external_ids"
    __table_args__ = (Index(None, "tenant_id", "value"), Index(None, "tenant_id", "order_id"))

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(100))


class OrderTag(TenantOwned, Base):
    __tablename__ = "order_tags"
    __table_args__ = (Index(None, "tenant_id", "value"), Index(None, "tenant_id", "order_id"))

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(100))


class OrderNote(TenantOwned, Base):
    __tablename__ = "order_notes"
    __table_args__ = (Index(None, "tenant_id", "order_id"),)

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[int | None] = mapped_column(BigId)
    # The account that wrote it (none: an admin or system key).
    account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    account: Mapped[Account | None] = relationship(
        primaryjoin=same_tenant("OrderNote.account_id == Account.id"), lazy="raise"
    )


class TrackingNumber(TenantOwned, Base):
    __tablename__ = "tracking_numbers"
    __table_args__ = (Index(None, "tenant_id", "order_id"),)

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(50))
    value: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OrderDevice(TenantOwned, Base):
    """A device assigned to an order, in the order they were assigned. That a device is on
    at most one open order is checked with the device's row locked (``assign_devices``).
    ``returned_at`` is when it came back (a return received): the link stays, as history,
    but no longer holds the device."""

    __tablename__ = "order_devices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "order_id", "device_id"),
        Index(None, "tenant_id", "device_id"),
    )

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    device_id: Mapped[int] = mapped_column(BigId, ForeignKey("devices.id", ondelete="CASCADE"))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    returned_at: Mapped[dt.datetime | None]

    device: Mapped[Device] = relationship(
        primaryjoin=same_tenant("OrderDevice.device_id == Device.id"), lazy="raise"
    )


class PackedKit(TenantOwned, Base):
    """One ordered kit as the supplier packed it: its own identifier and the devices in it
    (each also assigned to the order)."""

    __tablename__ = "packed_kits"
    __table_args__ = (Index(None, "tenant_id", "order_id"),)

    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    kit_id: Mapped[int] = mapped_column(BigId, ForeignKey("kits.id", ondelete="RESTRICT"))
    external_identifier: Mapped[str | None] = mapped_column(String(100))
    packed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(
        primaryjoin=same_tenant("PackedKit.order_id == Order.id"),
        lazy="raise",
        back_populates="packed_kits",
    )
    kit: Mapped[Kit] = relationship(
        primaryjoin=same_tenant("PackedKit.kit_id == Kit.id"), lazy="raise"
    )
    device_links: Mapped[list[PackedKitDevice]] = relationship(
        primaryjoin=same_tenant("PackedKit.id == PackedKitDevice.packed_kit_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="PackedKitDevice.id",
    )


class PackedKitDevice(TenantOwned, Base):
    """A device packed in a kit; a device is in at most one of its order's packed kits."""

    __tablename__ = "packed_kit_devices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "packed_kit_id", "device_id"),
        Index(None, "tenant_id", "device_id"),
    )

    packed_kit_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("packed_kits.id", ondelete="CASCADE")
    )
    device_id: Mapped[int] = mapped_column(BigId, ForeignKey("devices.id", ondelete="CASCADE"))

    device: Mapped[Device] = relationship(
        primaryjoin=same_tenant("PackedKitDevice.device_id == Device.id"), lazy="raise"
    )


def event_uid() -> str:
    """A new event's public id: what webhooks send as ``webhook-id`` and the feed as ``id``."""
    return f"evt_{uuid.uuid4().hex}"


class OrderEvent(TenantOwned, Base):
    """The timeline: append-only, written in the same transaction as the change it records.

    It is the outbox too: the event feed and the webhooks publish these rows, so what
    they send is exactly what committed. ``sequence`` counts an order's events (1, 2,
    ...); ``position`` places the event on its tenant's feed, in commit order, given in
    the committing transaction (``orders.feed``)."""

    __tablename__ = "order_events"
    __table_args__ = (
        Index(None, "tenant_id", "order_id", "id"),
        UniqueConstraint("order_id", "sequence"),
        Index(None, "tenant_id", "position", unique=True),
    )

    uid: Mapped[str] = mapped_column(String(40), unique=True, default=event_uid)
    sequence: Mapped[int] = mapped_column(Integer)
    position: Mapped[int | None] = mapped_column(BigInteger)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("orders.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    actor: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[int | None] = mapped_column(BigId)  # kept after the key is gone
    client: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
