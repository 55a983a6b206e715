"""Patients and sites, both owned by a customer account."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, ForeignKey, Index, String, exists, select
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderdesk.db import Base, BigId, TenantOwned, Versioned, same_tenant
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal


class Site(TenantOwned, Versioned, Base):
    """A customer-managed location with an address; orders may be for a site."""

    __tablename__ = "sites"
    __table_args__ = (Index(None, "tenant_id", "account_id", "id"),)

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    phone_number: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        return _party_visibility(cls, principal, "site_id")


class Patient(TenantOwned, Versioned, Base):
    """A person orders are for. Names and birth date are protected health information."""

    __tablename__ = "patients"
    __table_args__ = (
        Index(None, "tenant_id", "account_id", "id"),
        Index(None, "tenant_id", "external_identifier"),
    )

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    external_identifier: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[dt.date | None]
    sex: Mapped[str] = mapped_column(String(20), default="unknown")
    email: Mapped[str | None] = mapped_column(String(320))
    phone_number: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    site_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("sites.id", ondelete="SET NULL"))
    enrolled: Mapped[bool] = mapped_column(Boolean, default=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    site: Mapped[Site | None] = relationship(
        primaryjoin=same_tenant("Patient.site_id == Site.id"), lazy="raise"
    )

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        return _party_visibility(cls, principal, "patient_id")


def _party_visibility(
    model: type[Site] | type[Patient], principal: Principal, order_column: str
) -> ColumnElement[bool]:
    """Customers see their own; suppliers those named on orders placed with them."""
    from orderdesk.orders.models import Order  # orders build on parties, not the reverse

    if principal.role is Role.CUSTOMER:
        return model.account_id == principal.account_id
    if principal.role is Role.SUPPLIER:
        return exists(
            select(Order.id).where(
                Order.tenant_id == model.tenant_id,
                Order.supplier_account_id == principal.account_id,
                getattr(Order, order_column) == model.id,
            )
        )
    return sql_true()  # no condition (one the planner could mistake for an index)
