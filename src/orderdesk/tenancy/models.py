"""Tenants, the accounts inside them, and the credentials that act for them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, or_
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db import (
    Base,
    BigId,
    IdMixin,
    TenantOwned,
    Timestamps,
    Versioned,
    str_enum,
    utcnow,
)


class AccountKind(enum.StrEnum):
    CUSTOMER = "customer"  # places orders: clinic, practice, buyer
    SUPPLIER = "supplier"  # fulfils them: lab, merchant, device vendor


class Role(enum.StrEnum):
    ADMIN = "admin"
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


if TYPE_CHECKING:
    from orderdesk.tenancy.principal import Principal


class Tenant(IdMixin, Timestamps, Base):
    """One installation's isolated space; nothing crosses tenants."""

    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(100), unique=True)


class Account(TenantOwned, Versioned, Base):
    """An organisation inside a tenant: a customer or a supplier."""

    __tablename__ = "accounts"
    __table_args__ = (Index(None, "tenant_id", "kind", "id"),)

    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind))
    name: Mapped[str] = mapped_column(String(200))
    # The contact's name as written ("Dr. Amara Osei"), and their given and family names.
    contact_person: Mapped[str | None] = mapped_column(String(200))
    contact_given_name: Mapped[str | None] = mapped_column(String(200))
    contact_family_name: Mapped[str | None] = mapped_column(String(200))
    phone_number: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(320))
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @classmethod
    def visible_to(cls, principal: Principal) -> ColumnElement[bool]:
        """Admins see every account; others their own and the suppliers they can order from."""
        if principal.role is Role.ADMIN:
            return sql_true()  # no condition (one the planner could mistake for an index)
        return or_(cls.id == principal.account_id, cls.kind == AccountKind.SUPPLIER)


class Credential(TenantOwned, Base):
    """An API key, which is also an OAuth2 client (its prefix the client id, its secret the
    client secret). Only a SHA-256 hash of the secret is kept; the secret is shown once."""

    __tablename__ = "credentials"
    __table_args__ = (Index(None, "tenant_id", "id"),)

    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    #: The scope names it holds (``tenancy.scopes``), sorted; within its role's.
    scopes: Mapped[list[str]] = mapped_column(JSON)
    account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE")
    )
    #: The key this one replaced (``rotate``), which stays valid until its ``expires_at``.
    rotated_from_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("credentials.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    def is_usable(self, now: dt.datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now


class SigningKey(IdMixin, Base):
    """The key that signs access tokens when no ``ORDERDESK_TOKEN_SIGNING_KEY`` is set: made
    once by the first process that needs it, so that every process signs and checks alike."""

    __tablename__ = "signing_keys"

    purpose: Mapped[str] = mapped_column(String(50), unique=True)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
