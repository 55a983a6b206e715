"""Devices: one physical unit of a supplier's item, who holds it now, and its events."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderdesk.catalog.models import Item
from orderdesk.db import Base, BigId, TenantOwned, Versioned, same_tenant, str_enum, utcnow
from orderdesk.errors import FieldError, ValidationFailed, check_version
from orderdesk.parties.models import Patient, Site
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal


class DeviceStatus(enum.StrEnum):
    """Where a device is in its life; later parts (orders, returns) move it."""

    IN_STOCK = "in_stock"
    ASSIGNED = "assigned"  # to an order, not yet shipped
    SHIPPED = "shipped"
    WITH_PATIENT = "with_patient"
    RETURNED = "returned"
    RETIRED = "retired"


class Device(TenantOwned, Versioned, Base):
    """One unit of an item (its model), owned by the item's supplier."""

    __tablename__ = "devices"
    __table_args__ = (
        Index(None, "tenant_id", "account_id", "id"),
        Index(None, "tenant_id", "item_id"),
        Index(None, "tenant_id", "current_patient_id"),
        Index(None, "tenant_id", "site_id"),
        Index(None, "tenant_id", "external_identifier"),
    )

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("items.id", ondelete="RESTRICT"))
    external_identifier: Mapped[str | None] = mapped_column(String(100))  # e.g. serial number
    current_status: Mapped[DeviceStatus] = mapped_column(
        str_enum(DeviceStatus), default=DeviceStatus.IN_STOCK
    )
    # Who has it now: a patient or a site (of a customer), or neither (the supplier).
    current_patient_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("patients.id", ondelete="SET NULL")
    )
    site_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sites.id", ondelete="SET NULL"))
    last_health_check: Mapped[dt.datetime | None]
    disabled_readings: Mapped[bool] = mapped_column(Boolean, default=False)
    used: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship(
        primaryjoin=same_tenant("Device.item_id == Item.id"), lazy="raise"
    )
    current_patient: Mapped[Patient | None] = relationship(
        primaryjoin=same_tenant("Device.current_patient_id == Patient.id"), lazy="raise"
    )
    site: Mapped[Site | None] = relationship(
        primaryjoin=same_tenant("Device.site_id == Site.id"), lazy="raise"
    )
    identifiers: Mapped[list[DeviceIdentifier]] = relationship(
        primaryjoin=same_tenant("Device.id == DeviceIdentifier.device_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="DeviceIdentifier.id",
    )
    #: Oldest first: by when each happened, then in the order they were recorded.
    events: Mapped[list[DeviceEvent]] = relationship(
        primaryjoin=same_tenant("Device.id == DeviceEvent.device_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="[DeviceEvent.occurred_at, DeviceEvent.id]",
    )

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        """A supplier sees its own; a customer those with its own patients and sites."""
        if principal.role is Role.SUPPLIER:
            return cls.account_id == principal.account_id
        if principal.role is Role.CUSTOMER:
            patients = select(Patient.id).where(
                Patient.tenant_id == principal.tenant_id,
                Patient.account_id == principal.account_id,
            )
            sites = select(Site.id).where(
                Site.tenant_id == principal.tenant_id, Site.account_id == principal.account_id
            )
            return or_(cls.current_patient_id.in_(patients), cls.site_id.in_(sites))
        return sql_true()

    def check_version(self, expected: int | None) -> None:
        """The caller saw this device at version ``expected`` (None: it does not say): 412
        if it has changed since."""
        check_version("device", self, expected)

    def check_holder(self, sent: frozenset[str]) -> None:
        """At most one holder: a patient or a site. ``sent`` are the fields the request set,
        so the error points at what the caller can change."""
        if self.current_patient_id is not None and self.site_id is not None:
            named = sorted({"current_patient_id", "site_id"} & sent) or ["current_patient_id"]
            raise ValidationFailed(
                "a device is with a patient or at a site, not both",
                errors=[
                    FieldError(
                        "a device is with a patient or at a site, not both; set the other to null",
                        pointer=f"/{name}",
                    )
                    for name in named
                ],
            )


class DeviceIdentifier(TenantOwned, Base):
    """An identifier of a device (IMEI, MAC, UDI...): unique within its supplier."""

    __tablename__ = "device_identifiers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "account_id", "type", "value"),
        Index(None, "tenant_id", "device_id"),
        Index(None, "tenant_id", "value"),  # the list's identifier filter
    )

    device_id: Mapped[int] = mapped_column(BigId, ForeignKey("devices.id", ondelete="CASCADE"))
    # The device's supplier, repeated here so the database keeps identifiers unique per supplier.
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(100))


class DeviceEvent(TenantOwned, Base):
    """Something that happened to a device: appended, never edited."""

    __tablename__ = "device_events"
    __table_args__ = (Index(None, "tenant_id", "device_id", "occurred_at", "id"),)

    device_id: Mapped[int] = mapped_column(BigId, ForeignKey("devices.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    credential_id: Mapped[int | None] = mapped_column(BigId)  # kept after the key is gone
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
