"""Keeping and finding the answers to writes sent with an ``Idempotency-Key``.

A key belongs to one credential (two credentials may use the same key for different
requests). The first request with a key claims it for its transaction; the answer it
produces is kept in that same transaction, so the work and its answer commit together
or not at all. Its retries then get that answer back, without running again.

While the first request runs, another with its key is refused (409) rather than made
to wait: on PostgreSQL the claim is a transaction-level advisory lock (released when
the transaction ends, whether it commits, rolls back or its process dies); on SQLite
write transactions take turns across processes, so a second request only looks once
the first has ended, and finds its answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db import utcnow
from orderdesk.errors import BadRequest, Conflict, FieldError, ValidationFailed
from orderdesk.idempotency.models import IdempotencyRecord

#: The request header, and the one a replayed answer carries (IETF draft; Stripe's).
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

#: The longest key taken (the draft leaves it to the server; Stripe's is 255).
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claim:
    """A key this request holds: who sent it, and what it was sent with."""

    tenant_id: int
    credential_id: int
    key: str
    fingerprint: str


def fingerprint(method: str, target: str, body: bytes) -> str:
    """What makes two requests "the same request": method, path and query, body."""
    digest = hashlib.sha256()
    for part in (method.encode(), target.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def checked_key(raw: str) -> str:
    """The key the header carries: a structured-field string (``"8e03..."``, RFC 8941), as
    the draft writes it, or the bare token most clients send (``8e03...``); both name the
    same key. 1 to 255 characters, printable ASCII; a 400 names the header otherwise."""
    quoted = raw.startswith('"')
    key = _unquoted(raw) if quoted else raw
    lowest = 32 if quoted else 33  # a space only inside quotes
    if (
        key is None
        or not 0 < len(key) <= MAX_KEY_LENGTH
        or not all(lowest <= ord(c) <= 126 for c in key)
    ):
        raise BadRequest(
            f"{HEADER} must be a string of 1 to {MAX_KEY_LENGTH} printable ASCII characters",
            errors=[
                FieldError(
                    f"1 to {MAX_KEY_LENGTH} printable ASCII characters, such as a UUID; "
                    'quoted ("...") or bare',
                    parameter=HEADER,
                )
            ],
        )
    return key


def _unquoted(raw: str) -> str | None:
    """The value of an RFC 8941 sf-string (``\\"`` and ``\\\\`` escapes), or None."""
    if len(raw) < 2 or not raw.endswith('"'):
        return None
    out: list[str] = []
    chars = iter(raw[1:-1])
    for char in chars:
        if char == "\\":
            char = next(chars, "")
            if char not in ('"', "\\"):
                return None
        elif char == '"':
            return None
        out.append(char)
    return "".join(out)


async def claim(session: AsyncSession, claim: Claim) -> IdempotencyRecord | None:
    """Hold ``claim``'s key for this transaction; the answer kept for it, if any.

    409 while another transaction holds the key; 422 if the kept answer is to another
    request. An expired answer is dropped, and the request runs anew."""
    if session.get_bind().dialect.name == "postgresql":
        held = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": _lock_id(claim)}
        )
        if not held:
            raise Conflict(
                f"a request with this {HEADER} is still being processed; retry once it "
                "has been answered",
                errors=[FieldError("a key whose first request has finished", parameter=HEADER)],
            )
    kept = await session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.tenant_id == claim.tenant_id,
            IdempotencyRecord.credential_id == claim.credential_id,
            IdempotencyRecord.key == claim.key,
        )
    )
    if kept is None:
        return None
    if kept.expires_at <= utcnow():
        await session.delete(kept)
        await session.flush()
        return None
    if kept.fingerprint != claim.fingerprint:
        raise ValidationFailed(
            f"this {HEADER} was used for another request; a retry must send the same "
            "method, path and body, and a new request a new key",
            errors=[FieldError("a key not yet used for another request", parameter=HEADER)],
        )
    return kept


def keep(
    session: AsyncSession,
    claim: Claim,
    *,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    ttl: dt.timedelta,
) -> None:
    """Keep the answer to ``claim``'s request, in its transaction."""
    now = utcnow()
    session.add(
        IdempotencyRecord(
            tenant_id=claim.tenant_id,
            credential_id=claim.credential_id,
            key=claim.key,
            fingerprint=claim.fingerprint,
            status=status,
            headers={"list": [list(pair) for pair in headers]},
            body=body,
            created_at=now,
            expires_at=now + ttl,
        )
    )


def kept_headers(record: IdempotencyRecord) -> list[tuple[str, str]]:
    return [(name, value) for name, value in record.headers.get("list", [])]


async def purge_expired(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """Drop the answers kept past their time; how many went."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _lock_id(claim: Claim) -> int:
    """A signed 64-bit advisory lock id for the key (a collision only ever means a 409)."""
    digest = hashlib.sha256(
        f"idempotency\0{claim.tenant_id}\0{claim.credential_id}\0{claim.key}".encode()
    ).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
