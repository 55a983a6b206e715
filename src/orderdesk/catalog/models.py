"""Catalog tables. Any principal of the tenant may read; the owning supplier writes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    or_,
)
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderdesk.db import Base, BigId, TenantOwned, Versioned, same_tenant
from orderdesk.tenancy.principal import Principal


class _CatalogReadable:
    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        return sql_true()


class Manufacturer(_CatalogReadable, TenantOwned, Versioned, Base):
    """Who makes items. A supplier's own (``account_id``), or tenant-wide (none): an admin's."""

    __tablename__ = "manufacturers"
    __table_args__ = (Index(None, "tenant_id", "name"), Index(None, "tenant_id", "account_id"))

    account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))

    @classmethod
    def editable_by(cls, principal: Principal) -> ColumnElement[bool]:
        """An admin changes any; a supplier only its own (never a tenant-wide one)."""
        if principal.is_admin:
            return sql_true()
        return cls.account_id == principal.account_id

    @classmethod
    def usable_by_supplier(cls, account_id: int) -> ColumnElement[bool]:
        """What a supplier's item may name: the supplier's own or a tenant-wide one."""
        return or_(cls.account_id.is_(None), cls.account_id == account_id)


class Item(_CatalogReadable, TenantOwned, Versioned, Base):
    """Something a supplier ships: a device, a consumable, a test."""

    __tablename__ = "items"
    __table_args__ = (Index(None, "tenant_id", "account_id", "id"),)

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(200))
    manufacturer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("manufacturers.id", ondelete="SET NULL")
    )
    orderable: Mapped[bool] = mapped_column(Boolean, default=True)

    manufacturer: Mapped[Manufacturer | None] = relationship(
        primaryjoin=same_tenant("Item.manufacturer_id == Manufacturer.id"), lazy="raise"
    )


class Kit(_CatalogReadable, TenantOwned, Versioned, Base):
    """Items packed together, each a number of times."""

    __tablename__ = "kits"
    __table_args__ = (Index(None, "tenant_id", "account_id", "id"),)

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

    kit_items: Mapped[list[KitItem]] = relationship(
        primaryjoin=same_tenant("Kit.id == KitItem.kit_id"),
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="KitItem.id",
    )

    @property
    def orderable(self) -> bool:
        return not self.archived


class KitItem(TenantOwned, Base):
    __tablename__ = "kit_items"
    __table_args__ = (Index(None, "tenant_id", "kit_id"),)

    kit_id: Mapped[int] = mapped_column(BigId, ForeignKey("kits.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("items.id", ondelete="RESTRICT"))
    count: Mapped[int] = mapped_column(Integer)
    drives_external_identifier: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[Item] = relationship(
        primaryjoin=same_tenant("KitItem.item_id == Item.id"), lazy="raise"
    )


class Product(_CatalogReadable, TenantOwned, Versioned, Base):
    """A priced offering; the order snapshots its price when placed."""

    __tablename__ = "products"
    __table_args__ = (Index(None, "tenant_id", "account_id", "id"),)

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(10))
    discount: Mapped[str | None] = mapped_column(String(100))
    terms: Mapped[str | None] = mapped_column(Text)
    orderable: Mapped[bool] = mapped_column(Boolean, default=True)
    workflow_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("workflows.id", ondelete="SET NULL")
    )  # none: the supplier's default workflow, else the tenant's
