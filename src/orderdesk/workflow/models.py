"""Stored workflows and their immutable versions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db import Base, BigId, TenantOwned, Versioned, utcnow

if TYPE_CHECKING:
    from orderdesk.tenancy.principal import Principal


class WorkflowRecord(TenantOwned, Versioned, Base):
    """A named workflow of a supplier (``account_id``) or of the whole tenant (none).

    ``is_default`` marks the supplier's default, or for tenant-wide ones the
    tenant's default: the workflow an order takes when its product names none.
    """

    __tablename__ = "workflows"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key"),
        Index(None, "tenant_id", "account_id", "is_default"),
    )

    account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    current_version: Mapped[int] = mapped_column(Integer, default=1)

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        return sql_true()  # every principal of the tenant may read workflows


class WorkflowVersion(TenantOwned, Base):
    """One saved definition; never changed, so an order in flight keeps its graph."""

    __tablename__ = "workflow_versions"
    __table_args__ = (UniqueConstraint("tenant_id", "workflow_id", "number"),)

    workflow_id: Mapped[int] = mapped_column(BigId, ForeignKey("workflows.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
