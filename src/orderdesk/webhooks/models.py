"""Webhook subscriptions and their deliveries (one per subscription and event)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orderdesk.db import (
    Base,
    BigId,
    TenantOwned,
    Timestamps,
    Versioned,
    same_tenant,
    str_enum,
    utcnow,
)
from orderdesk.orders.models import OrderEvent

#: Longest webhook URL accepted.
URL_MAX = 2000


class WebhookSubscription(TenantOwned, Versioned, Base):
    """Where one credential wants a tenant's order events sent, and which of them.

    Events reach it only for orders its credential may see, rendered as that
    credential would see them. ``secret`` signs every delivery (it must be kept to
    sign, so it is stored, and shown only when made); after a rotation the
    ``previous_secret`` signs too until ``previous_secret_expires_at``.
    ``cursor_position`` is the last feed position the worker has fanned out."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        Index(None, "tenant_id", "account_id", "id"),
        Index(None, "enabled", "id"),
    )

    credential_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("credentials.id", ondelete="CASCADE")
    )
    account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id", ondelete="CASCADE")
    )  # the credential's account; None for an admin's
    url: Mapped[str] = mapped_column(String(URL_MAX))
    event_types: Mapped[list[str]] = mapped_column()
    #: The payload format (``webhooks.payloads``): native, impilo-status, impilo-statusFull.
    format: Mapped[str] = mapped_column(String(30))
    full_payload: Mapped[bool] = mapped_column(Boolean, default=False)
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[dt.datetime | None]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[dt.datetime | None]
    cursor_position: Mapped[int] = mapped_column(BigInteger, default=0)

    def secrets_at(self, now: dt.datetime) -> list[str]:
        """The secrets that sign a delivery sent at ``now``: the current one, and the
        previous one during a rotation's overlap."""
        signing = [self.secret]
        if self.previous_secret and (
            self.previous_secret_expires_at is None or self.previous_secret_expires_at > now
        ):
            signing.append(self.previous_secret)
        return signing

    def disable(self, reason: str, now: dt.datetime) -> None:
        self.enabled = False
        self.disabled_reason = reason[:200]
        self.disabled_at = now


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # to be sent (again), or being sent under a lease
    DELIVERED = "delivered"  # the receiver answered 2xx
    FAILED = "failed"  # every attempt of the schedule failed (or it cannot be sent)


class WebhookDelivery(TenantOwned, Timestamps, Base):
    """One event on its way to one subscription: its attempts so far and the next one.

    A worker takes a delivery by setting ``lease_until`` (and its ``lease_token``); a
    lease that expires (the worker died) frees it for another. Only the outcome of an
    attempt is kept (status code, or an error's kind), never a body."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "subscription_id", "order_id", "sequence"),
        Index(None, "tenant_id", "subscription_id", "id"),
    )

    subscription_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("order_events.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(BigId)
    sequence: Mapped[int] = mapped_column(Integer)
    state: Mapped[DeliveryState] = mapped_column(
        str_enum(DeliveryState), default=DeliveryState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[dt.datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_attempt_at: Mapped[dt.datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[dt.datetime | None]

    event: Mapped[OrderEvent] = relationship(
        primaryjoin=same_tenant("WebhookDelivery.event_id == OrderEvent.id"), lazy="raise"
    )
