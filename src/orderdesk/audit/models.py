"""Audit records (``audit_events``) and what each names (``audit_entities``).

Rows are only ever inserted: the service has no path that changes or deletes them,
and a trigger on each table refuses UPDATE and DELETE (migration 0008). Nothing here
refers to credentials, accounts or patients by foreign key, so a record outlives
what it names.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderdesk.db import Base, BigId, TenantOwned, same_tenant, str_enum, utcnow


class EntityKind(enum.StrEnum):
    PATIENT = "patient"
    ORDER = "order"
    DEVICE = "device"


class AuditEvent(TenantOwned, Base):
    """One request that disclosed PHI, or that was refused on a patient, order or device
    route: the content of a FHIR R4 ``AuditEvent``."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "tenant_id", "id"),
        Index(None, "tenant_id", "recorded_at", "id"),
        Index(None, "tenant_id", "credential_id", "id"),
    )

    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: FHIR ``action``: C(reate), R(ead), U(pdate), D(elete), E(xecute).
    action: Mapped[str] = mapped_column(String(1))
    method: Mapped[str] = mapped_column(String(10))
    surface: Mapped[str] = mapped_column(String(50))
    #: The route's path template (``/v1/orders/{order_id}``) and the path requested.
    route: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(2000))
    status: Mapped[int] = mapped_column(Integer)
    phi_disclosed: Mapped[bool] = mapped_column(default=False)
    # Who: the credential (None before authentication), its role and account, its client.
    credential_id: Mapped[int | None] = mapped_column(BigId)
    role: Mapped[str | None] = mapped_column(String(20))
    account_id: Mapped[int | None] = mapped_column(BigId)
    client: Mapped[str | None] = mapped_column(String(200))
    # From where.
    client_address: Mapped[str | None] = mapped_column(String(100))
    request_id: Mapped[str] = mapped_column(String(64))

    entities: Mapped[list[AuditEntity]] = relationship(
        primaryjoin=same_tenant("AuditEvent.id == AuditEntity.audit_event_id"),
        back_populates="event",
        lazy="selectin",
        order_by="AuditEntity.id",
    )


class AuditEntity(TenantOwned, Base):
    """A patient, order or device an audit record names."""

    __tablename__ = "audit_entities"
    __table_args__ = (Index(None, "tenant_id", "kind", "entity_id", "audit_event_id"),)

    audit_event_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("audit_events.id", ondelete="RESTRICT")
    )
    kind: Mapped[EntityKind] = mapped_column(str_enum(EntityKind))
    entity_id: Mapped[int] = mapped_column(BigId)

    event: Mapped[AuditEvent] = relationship(
        primaryjoin=same_tenant("AuditEntity.audit_event_id == AuditEvent.id"),
        back_populates="entities",
    )
