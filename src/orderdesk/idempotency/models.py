"""A kept answer: what one credential's write with one ``Idempotency-Key`` answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db import Base, BigId, TenantOwned, utcnow


class IdempotencyRecord(TenantOwned, Base):
    """Written in the same transaction as the work it answers for, so the two commit
    together or not at all; a refused request keeps no record (its retry runs anew)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "credential_id", "key"),
        Index(None, "expires_at"),
    )

    credential_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("credentials.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(255))
    # sha256 of the method, the path and the body: the same key with another request is a 422.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()
