from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, UniqueConstraint
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db import Base, BigId, TenantOwned, Versioned

if TYPE_CHECKING:
    from orderdesk.tenancy.principal import Principal


class OrderSchema(TenantOwned, Versioned, Base):
    """A named JSON Schema (draft 2020-12) for an order's ``data``; a supplier's or tenant-wide."""

    __tablename__ = "order_schemas"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        return sql_true()  # customers need them to know what data to send
