"""The event feed: every committed timeline event, per tenant, in the order it committed.

``record`` appends events; when their transaction commits, a ``before_commit`` listener
numbers them:

* ``sequence``, per order: one past the order's last event. Every event touches its
  order's row (a checked version), so two transactions never both commit an event to
  the same order from the same starting point; a unique constraint backs that.
* ``position``, per tenant: one past the tenant's last position, taken under a lock
  held until the commit (a transaction-level advisory lock on PostgreSQL; SQLite
  writers already take turns). So positions grow in commit order: a reader that has
  seen position N never later finds a new event at or below N, which is what lets the
  feed page by position and the webhook worker fan out from a cursor.

An event that rolls back never gets a position, so nothing downstream ever sees it.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, event, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from orderdesk.errors import BadRequest, FieldError
from orderdesk.orders.models import EventKind, Order, OrderEvent
from orderdesk.tenancy.principal import Principal

#: ``session.info`` key: the events this transaction appended, to number at commit.
_PENDING = "orderdesk.pending_events"

#: The first key of the feed's advisory locks (the second is the tenant): "odfd".
_FEED_LOCK = 0x6F646664


def event_type(kind: EventKind) -> str:
    """The public type of an event of ``kind``: ``order.created``, ``order.status_moved``..."""
    return f"order.{kind.value}"


#: Every public event type, for subscriptions to choose from.
EVENT_TYPES = tuple(event_type(kind) for kind in EventKind)


#: ``session.info`` key: each order's last sequence as this transaction knows it.
_LAST_SEQUENCE = "orderdesk.last_sequences"


def queue_for_numbering(
    session: AsyncSession, recorded: OrderEvent, *, new_order: bool = False
) -> None:
    """Number ``recorded`` when its transaction commits (``record`` calls this);
    ``new_order``: its order was placed in this transaction, so it has no events yet."""
    session.info.setdefault(_PENDING, []).append(recorded)
    if new_order:
        session.info.setdefault(_LAST_SEQUENCE, {})[recorded.order_id] = 0


@event.listens_for(Session, "before_commit")
def _number_events(session: Session) -> None:
    pending: list[OrderEvent] = session.info.pop(_PENDING, None) or []
    # An event added inside a savepoint that rolled back has left the session.
    pending = [recorded for recorded in pending if recorded in session]
    if not pending:
        return
    session.flush()  # the order rows are written (and locked) before the feed lock is taken
    by_tenant: dict[int, list[OrderEvent]] = defaultdict(list)
    for recorded in pending:
        by_tenant[recorded.tenant_id].append(recorded)
    postgres = session.get_bind().dialect.name == "postgresql"
    for tenant_id in sorted(by_tenant):  # one lock order, so two commits never deadlock
        if postgres:
            session.execute(
                text("SELECT pg_advisory_xact_lock(:feed, :tenant)"),
                {"feed": _FEED_LOCK, "tenant": tenant_id},
            )
        _give_positions(session, tenant_id, by_tenant[tenant_id])


def _give_positions(session: Session, tenant_id: int, events: list[OrderEvent]) -> None:
    """One past the tenant's last position for the first of ``events`` (by id), and so on:
    read and written in one statement, after the lock."""
    recorded = {event.id: event for event in events}
    ranked = (
        select(OrderEvent.id, func.row_number().over(order_by=OrderEvent.id).label("offset"))
        .where(OrderEvent.tenant_id == tenant_id, OrderEvent.id.in_(recorded))
        .subquery()
    )
    last = (
        select(func.coalesce(func.max(OrderEvent.position), 0))
        .where(OrderEvent.tenant_id == tenant_id)
        .scalar_subquery()
    )
    numbered = session.execute(
        update(OrderEvent)
        .where(OrderEvent.tenant_id == tenant_id, OrderEvent.id == ranked.c.id)
        .values(position=last + ranked.c.offset)
        .returning(OrderEvent.id, OrderEvent.position),
        execution_options={"synchronize_session": False},
    )
    for ident, position in numbered:  # as written, without a flush of its own
        set_committed_value(recorded[ident], "position", position)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_events(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_LAST_SEQUENCE, None)  # other transactions may add events from now on


def _recorded_order(session: Session) -> Any:
    """Sort key: the order ``record`` appended events in this transaction."""
    queued: list[OrderEvent] = session.info.get(_PENDING) or []
    index = {id(recorded): i for i, recorded in enumerate(queued)}
    return lambda recorded: index.get(id(recorded), len(index))


@event.listens_for(Session, "before_flush")
def _give_sequences(session: Session, _context: Any, _instances: Any) -> None:
    pending = [
        added for added in session.new if isinstance(added, OrderEvent) and added.sequence is None
    ]
    if not pending:
        return
    pending.sort(key=_recorded_order(session))
    last: dict[int, int] = session.info.setdefault(_LAST_SEQUENCE, {})
    # Once per order and transaction (later events count on from here), tenant by tenant.
    unknown: dict[int, set[int]] = defaultdict(set)
    for recorded in pending:
        if recorded.order_id not in last:
            unknown[recorded.tenant_id].add(recorded.order_id)
    for tenant_id, order_ids in unknown.items():
        rows = session.execute(
            select(OrderEvent.order_id, func.max(OrderEvent.sequence))
            .where(OrderEvent.tenant_id == tenant_id, OrderEvent.order_id.in_(order_ids))
            .group_by(OrderEvent.order_id)
        )
        last.update({order_id: top or 0 for order_id, top in rows})
    for recorded in pending:
        last[recorded.order_id] = last.get(recorded.order_id, 0) + 1
        recorded.sequence = last[recorded.order_id]


# -- reading the feed ----------------------------------------------------------------


def encode_cursor(position: int) -> str:
    """The opaque ``after`` cursor of a feed position."""
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position an ``after`` cursor names; no cursor is the start of the feed."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    digits = raw[1:]
    if not (raw.startswith("p") and digits.isascii() and digits.isdigit() and len(digits) <= 18):
        raise BadRequest(
            "invalid cursor",
            errors=[FieldError("must be a cursor this feed gave out", parameter="after")],
        )
    return int(digits)


async def events_after(
    session: AsyncSession, principal: Principal, *, after: int, limit: int
) -> list[OrderEvent]:
    """The events past position ``after`` on the orders ``principal`` may see, oldest first."""
    stmt = (
        select(OrderEvent)
        .join(Order, and_(Order.tenant_id == OrderEvent.tenant_id, Order.id == OrderEvent.order_id))
        .where(
            OrderEvent.tenant_id == principal.tenant_id,
            OrderEvent.position > after,
            Order.visible_to(principal),
        )
        .order_by(OrderEvent.position)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


def thin(recorded: OrderEvent) -> dict[str, Any]:
    """What the feed and a thin webhook say of an event: never a field of the order."""
    return {
        "id": recorded.uid,
        "type": event_type(recorded.kind),
        "order_id": recorded.order_id,
        "sequence": recorded.sequence,
        "occurred_at": recorded.occurred_at.isoformat(),
    }
