"""Prometheus metrics: what operators graph and alert on, served at ``/metrics``.

- ``orderdesk_http_request_duration_seconds``: a histogram of every answer, by surface,
  route template (never the path: its values may be patient data), method and status;
  its ``_count`` counts the requests.
- ``orderdesk_orders_created_total`` and ``orderdesk_orders_moved_total``, by workflow
  and the state entered; ``orderdesk_audit_records_total`` by surface;
  ``orderdesk_webhook_deliveries_total`` by outcome: counted once their transaction
  commits (``orderdesk.tally``), so a request that fails counts nothing.
- ``orderdesk_rate_limit_refusals_total`` by limit.
- ``orderdesk_db_pool_connections_in_use`` and ``orderdesk_db_pool_size``, summed over
  the live processes.
- ``orderdesk_outbox_lag_seconds`` and ``orderdesk_webhook_deliveries_due``, asked of the
  database at each scrape: how long the oldest work the webhook worker has not done
  (an event not yet fanned out, a delivery due) has waited, and how many deliveries
  are due.

With several processes (``serve --workers N``, the worker beside the server) each
counts into its own files under ``PROMETHEUS_MULTIPROC_DIR``, which ``orderdesk serve``
prepares, and a scrape of any process adds them all up. ``prometheus_client`` reads
that variable once, when it is first imported, so it is imported here lazily, by the
first metric used: ``serve`` sets the variable before then.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from orderdesk import tally
from orderdesk.db import WRITE_OPTION, utcnow
from orderdesk.orders.models import OrderEvent
from orderdesk.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    from orderdesk.http.observe import Finished

#: The variable naming the folder every process counts into.
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
#: The answer's media type (Prometheus text format 0.0.4).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass(frozen=True)
class _Metrics:
    requests: Histogram
    orders_created: Counter
    orders_moved: Counter
    audit_records: Counter
    webhook_deliveries: Counter
    rate_limit_refusals: Counter
    pool_in_use: Gauge
    pool_size: Gauge

    def counter_of(self, what: str) -> Counter:
        """The counter of a note's ``what`` (``tally.note``)."""
        counter: Counter = getattr(self, _COUNTERS[what])
        return counter


#: Each note's ``what`` (``tally.note``), and the field of its counter.
_COUNTERS = {
    "order_created": "orders_created",
    "order_moved": "orders_moved",
    "audit_record": "audit_records",
    "webhook_delivery": "webhook_deliveries",
}


@cache
def _metrics() -> _Metrics:
    from prometheus_client import Counter, Gauge, Histogram

    return _Metrics(
        requests=Histogram(
            "orderdesk_http_request_duration_seconds",
            "Seconds from a request's arrival to the end of its answer",
            ["surface", "route", "method", "status"],
        ),
        orders_created=Counter("orderdesk_orders_created", "Orders placed", ["workflow", "state"]),
        orders_moved=Counter(
            "orderdesk_orders_moved",
            "Workflow moves (cancels included), by the state entered",
            ["workflow", "state"],
        ),
        audit_records=Counter("orderdesk_audit_records", "Audit records written", ["surface"]),
        webhook_deliveries=Counter(
            "orderdesk_webhook_deliveries",
            "Webhook delivery attempts, by outcome: delivered, retrying (another attempt "
            "is scheduled), failed (no attempt left, or it cannot be sent), disabled (the "
            "endpoint answered 410), lease_lost (another worker had taken it over)",
            ["outcome"],
        ),
        rate_limit_refusals=Counter(
            "orderdesk_rate_limit_refusals",
            "Requests refused with a 429, by limit: credential, auth-failure, rso",
            ["limit"],
        ),
        pool_in_use=Gauge(
            "orderdesk_db_pool_connections_in_use",
            "Database connections checked out of the pools",
            multiprocess_mode="livesum",
        ),
        pool_size=Gauge(
            "orderdesk_db_pool_size",
            "Connections the pools keep (each may open as many again for a burst)",
            multiprocess_mode="livesum",
        ),
    )


# --- counting ---------------------------------------------------------------------


def observe_request(finished: Finished) -> None:
    """An observer of the edge's ``ObserveMiddleware``: one answer, timed."""
    _metrics().requests.labels(
        finished.surface, finished.route, finished.method, str(finished.status)
    ).observe(finished.seconds)


def refused(limit: str) -> None:
    """A request refused by the rate limit named ``limit``."""
    _metrics().rate_limit_refusals.labels(limit).inc()


def _count_committed(session: Session) -> None:
    notes = tally.take(session.info)
    if notes:
        metrics = _metrics()
        for what, labels in notes:
            metrics.counter_of(what).labels(**labels).inc()


def _drop_rolled_back(session: Session, _transaction: Any = None) -> None:
    tally.take(session.info)


def count_commits() -> None:
    """Count the core's notes (``tally``) of every session once it commits; drop them
    when it rolls back. Once per process; again is harmless."""
    if not event.contains(Session, "after_commit", _count_committed):
        event.listen(Session, "after_commit", _count_committed)
        event.listen(Session, "after_rollback", _drop_rolled_back)


@contextlib.contextmanager
def watching_pool(engine: AsyncEngine, size: int) -> Iterator[None]:
    """Keep the pool gauges of ``engine``'s pool, which keeps ``size`` connections,
    while the block runs."""
    metrics = _metrics()
    pool = engine.sync_engine.pool

    def checked_out(*_: Any) -> None:
        metrics.pool_in_use.inc()

    def checked_in(*_: Any) -> None:
        metrics.pool_in_use.dec()

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
    metrics.pool_size.inc(size)
    try:
        yield
    finally:
        metrics.pool_size.dec(size)
        event.remove(pool, "checkout", checked_out)
        event.remove(pool, "checkin", checked_in)


def forget_process() -> None:
    """This process is stopping: its live gauges no longer count."""
    directory = os.environ.get(MULTIPROC_DIR)
    if directory:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid(), directory)


# --- the scrape -------------------------------------------------------------------


@dataclass(frozen=True)
class Outbox:
    """What the webhook worker has yet to do, as the database holds it."""

    lag_seconds: float
    deliveries_due: int


async def outbox(engine: AsyncEngine) -> Outbox:
    """How long the oldest event not yet fanned out, or the oldest delivery due, has
    waited (0 when none waits), and how many deliveries are due. Across every tenant:
    it is the one worker's backlog."""
    now = utcnow()
    async with engine.connect() as connection:
        connection = await connection.execution_options(**{WRITE_OPTION: False})
        due = WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.next_attempt_at <= now
        oldest_due, deliveries_due = (
            await connection.execute(
                select(func.min(WebhookDelivery.next_attempt_at), func.count()).where(*due)
            )
        ).one()
        waiting: list[dt.datetime] = [oldest_due] if oldest_due is not None else []
        cursors = await connection.execute(
            select(WebhookSubscription.tenant_id, func.min(WebhookSubscription.cursor_position))
            .where(WebhookSubscription.enabled.is_(True))
            .group_by(WebhookSubscription.tenant_id)
        )
        for tenant_id, cursor in cursors.all():
            first_behind = await connection.scalar(
                select(OrderEvent.occurred_at)
                .where(OrderEvent.tenant_id == tenant_id, OrderEvent.position > cursor)
                .order_by(OrderEvent.position)
                .limit(1)
            )
            if first_behind is not None:
                waiting.append(first_behind)
    lag = max(0.0, (now - min(waiting)).total_seconds()) if waiting else 0.0
    return Outbox(lag_seconds=lag, deliveries_due=deliveries_due)


def _registry() -> CollectorRegistry:
    """What a scrape reports: every process's metrics when they count into files, else
    this process's."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    _metrics()  # every metric is known, also before its first count
    directory = os.environ.get(MULTIPROC_DIR)
    if not directory:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, directory)
    return registry


def exposition(backlog: Outbox | None) -> bytes:
    """The scrape's answer: the metrics, and the outbox as ``backlog`` found it (left
    out when the database could not say)."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    if backlog is None:
        return generate_latest(_registry())
    found = backlog

    class _OutboxCollector:
        def collect(self) -> Any:
            yield GaugeMetricFamily(
                "orderdesk_outbox_lag_seconds",
                "Seconds the oldest event not yet fanned out to a webhook, or the oldest "
                "delivery due, has waited",
                value=found.lag_seconds,
            )
            yield GaugeMetricFamily(
                "orderdesk_webhook_deliveries_due",
                "Webhook deliveries due to be sent now",
                value=found.deliveries_due,
            )

    scraped = CollectorRegistry()
    scraped.register(_OutboxCollector())
    return generate_latest(_registry()) + generate_latest(scraped)
