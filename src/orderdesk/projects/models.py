from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, ForeignKey, Index, String, exists, select
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db import Base, BigId, TenantOwned, Versioned
from orderdesk.tenancy.models import Role

if TYPE_CHECKING:
    from orderdesk.tenancy.principal import Principal


class Project(TenantOwned, Versioned, Base):
    """A customer's folder of orders; every order belongs to one."""

    __tablename__ = "projects"
    __table_args__ = (Index(None, "tenant_id", "account_id", "id"),)

    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id", ondelete="CASCADE"))
    patient_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("patients.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(200))

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        """Customers see their own; suppliers those holding an order placed with them."""
        from orderdesk.orders.models import Order  # orders build on projects

        if principal.role is Role.CUSTOMER:
            return cls.account_id == principal.account_id
        if principal.role is Role.SUPPLIER:
            return exists(
                select(Order.id).where(
                    Order.tenant_id == cls.tenant_id,
                    Order.project_id == cls.id,
                    Order.supplier_account_id == principal.account_id,
                )
            )
        return sql_true()  # no condition (one the planner could mistake for an index)
