"""The delivery worker: fans committed events out to subscriptions and sends them.

Each step is its own short transaction, so no lock is held while a receiver is slow:

1. fan-out: per enabled subscription that is behind the feed (its row locked
   ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never fan out the same
   one), insert a delivery for each event past its ``cursor_position`` that it wants
   and whose order its credential may see, and move the cursor past them, together.
   Positions only grow in commit order, so nothing is skipped.
2. claim: take one due pending delivery whose lease is free or expired, and that no
   earlier pending delivery of the same order and subscription precedes (so an
   order's events go out in sequence), ``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
   render its payload as the subscription's credential sees the order, count the
   attempt and set a lease past the attempt's timeout; commit.
3. send it signed, outside any transaction, with a timeout.
4. record the outcome under the lease: 2xx delivered; 410 disables the subscription;
   anything else is retried per ``RETRY_SCHEDULE`` with jitter (or at the receiver's
   ``Retry-After`` if later), and after the last attempt the delivery has failed, so
   the order's later events go on.

A worker killed at any moment loses nothing: a lease it held expires and the delivery
is claimed again (at least once; the ``webhook-id`` lets receivers drop a repeat).
Logs name subscriptions, deliveries and events by id only: never a URL, a header
value or a body.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import json
import logging
import random
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute, aliased

from orderdesk import tally
from orderdesk.audit.trail import Access
from orderdesk.audit.trail import record as record_access
from orderdesk.db import session_scope, utcnow
from orderdesk.errors import NotFound
from orderdesk.idempotency import store as idempotency_store
from orderdesk.orders.feed import EVENT_TYPES
from orderdesk.orders.models import EventKind, Order, OrderEvent
from orderdesk.privacy import disclosures
from orderdesk.tenancy.models import Credential
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import find_in_tenant
from orderdesk.tenancy.service import principal_of
from orderdesk.webhooks import payloads, signing
from orderdesk.webhooks.guard import RefusedURL, check_url
from orderdesk.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription

log = logging.getLogger("orderdesk.webhooks")

#: Seconds before each attempt, from the event: immediately, 5 s, 5 min, 30 min, 2 h,
#: 5 h, 10 h, 14 h, 20 h, 24 h after the one before. Ten attempts in all.
RETRY_SCHEDULE: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
#: Each delay varies by up to this share either way, so retries do not arrive in step.
JITTER = 0.1
#: A lease outlasts the attempt's timeout by this much before another worker may take it.
LEASE_MARGIN = dt.timedelta(seconds=30)
#: The latest a receiver's ``Retry-After`` may push an attempt.
RETRY_AFTER_MAX = dt.timedelta(days=1)
#: Events fanned out to one subscription per transaction.
FAN_OUT_BATCH = 500
#: How often the worker's housekeeping runs.
HOUSEKEEPING_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class WorkerOptions:
    timeout: float = 10.0  # seconds one attempt may take
    poll_interval: float = 0.5
    concurrency: int = 4  # deliveries sent at once
    allow_private: bool = False
    schedule: Sequence[float] = RETRY_SCHEDULE


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds the lease of, ready to send."""

    tenant_id: int
    delivery_id: int
    subscription_id: int
    lease_token: str
    url: str
    message_id: str
    body: bytes
    signing_secrets: list[str]


@dataclass(frozen=True)
class Outcome:
    status: int | None = None  # the receiver's status, or None when there was none
    error: str | None = None  # what went wrong (the kind only, never a body)
    retry_after: dt.datetime | None = None


def retry_after(value: str | None, now: dt.datetime) -> dt.datetime | None:
    """When a ``Retry-After`` (seconds, or an HTTP date) says to come back; None if unsaid."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return now + min(dt.timedelta(seconds=int(text[:9])), RETRY_AFTER_MAX)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(when, now + RETRY_AFTER_MAX)


def _kinds(event_types: Sequence[str]) -> list[EventKind]:
    return [EventKind(t.removeprefix("order.")) for t in event_types if t in EVENT_TYPES]


@dataclass
class Worker:
    sessions: async_sessionmaker[AsyncSession]
    options: WorkerOptions = field(default_factory=WorkerOptions)
    #: The time the schedule and leases are reckoned in (tests move it).
    clock: Callable[[], dt.datetime] = utcnow
    #: httpx transport (tests may give one); None: the network.
    transport: httpx.AsyncBaseTransport | None = None
    rng: random.Random = field(default_factory=random.Random)
    #: Only these tenants' webhooks (None: every tenant's), e.g. one worker per shard.
    tenants: frozenset[int] | None = None
    _client: httpx.AsyncClient | None = None
    _unknown_formats: set[str] = field(default_factory=set)
    _housekept_at: dt.datetime | None = None

    def _in_tenants(self, column: InstrumentedAttribute[int]) -> tuple[ColumnElement[bool], ...]:
        return () if self.tenants is None else (column.in_(sorted(self.tenants)),)

    # -- credentials ---------------------------------------------------------------------

    async def _principal(
        self, session: AsyncSession, subscription: WebhookSubscription, now: dt.datetime
    ) -> Principal | None:
        """Whose view the subscription sends: its credential's, or the usable key that
        replaced it by rotation; None (and the subscription disabled) when neither works."""
        credential = await find_in_tenant(
            session, Credential, subscription.credential_id, tenant_id=subscription.tenant_id
        )
        while credential is not None and not credential.is_usable(now):
            credential = (
                await session.scalars(
                    select(Credential).where(
                        Credential.tenant_id == subscription.tenant_id,
                        Credential.rotated_from_id == credential.id,
                    )
                )
            ).first()
        if credential is None:
            subscription.disable("its credential is revoked or expired", now)
            log.warning("webhook %s disabled: its credential no longer works", subscription.id)
            return None
        if credential.id != subscription.credential_id:
            subscription.credential_id = credential.id  # follows the key's rotation
        return principal_of(credential)

    def _format(self, subscription: WebhookSubscription) -> payloads.PayloadFormat | None:
        found = payloads.get(subscription.format)
        if found is None and subscription.format not in self._unknown_formats:
            self._unknown_formats.add(subscription.format)
            log.warning(
                "webhook %s: payload format %s is not loaded in this worker",
                subscription.id,
                subscription.format,
            )
        return found

    # -- 1. fan-out ----------------------------------------------------------------------

    async def fan_out(self) -> int:
        """Add deliveries for the events past each subscription's cursor; how many."""
        behind = exists().where(
            OrderEvent.tenant_id == WebhookSubscription.tenant_id,
            OrderEvent.position > WebhookSubscription.cursor_position,
        )
        async with session_scope(self.sessions, write=False) as session:
            behind_ones = (
                await session.execute(
                    select(WebhookSubscription.tenant_id, WebhookSubscription.id)
                    .where(
                        WebhookSubscription.enabled.is_(True),
                        behind,
                        *self._in_tenants(WebhookSubscription.tenant_id),
                    )
                    .order_by(WebhookSubscription.id)
                )
            ).all()
        added = 0
        for tenant_id, subscription_id in behind_ones:
            async with session_scope(self.sessions) as session:
                added += await self._fan_out_one(session, tenant_id, subscription_id)
        return added

    async def _fan_out_one(
        self, session: AsyncSession, tenant_id: int, subscription_id: int
    ) -> int:
        now = self.clock()
        subscription = (
            await session.scalars(
                select(WebhookSubscription)
                .where(
                    WebhookSubscription.tenant_id == tenant_id,
                    WebhookSubscription.id == subscription_id,
                    WebhookSubscription.enabled,
                )
                .with_for_update(skip_locked=True)
            )
        ).one_or_none()
        if subscription is None:  # another worker has it, or it went away
            return 0
        payload_format = self._format(subscription)
        if payload_format is None:
            return 0
        principal = await self._principal(session, subscription, now)
        if principal is None:
            return 0
        cursor = subscription.cursor_position
        in_tenant = (OrderEvent.tenant_id == subscription.tenant_id, OrderEvent.position > cursor)
        top = await session.scalar(
            select(OrderEvent.position)
            .where(*in_tenant)
            .order_by(OrderEvent.position)
            .offset(FAN_OUT_BATCH - 1)
            .limit(1)
        ) or await session.scalar(select(func.max(OrderEvent.position)).where(*in_tenant))
        if top is None:
            return 0
        rows = (
            await session.execute(
                select(OrderEvent.id, OrderEvent.order_id, OrderEvent.sequence)
                .join(Order, Order.id == OrderEvent.order_id)
                .where(
                    *in_tenant,
                    OrderEvent.position <= top,
                    OrderEvent.kind.in_(_kinds(subscription.event_types)),
                    Order.tenant_id == subscription.tenant_id,
                    Order.visible_to(principal),
                    *payload_format.within.conditions(),
                )
                .order_by(OrderEvent.position)
            )
        ).all()
        session.add_all(
            WebhookDelivery(
                tenant_id=subscription.tenant_id,
                subscription_id=subscription.id,
                event_id=event_id,
                order_id=order_id,
                sequence=sequence,
                state=DeliveryState.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
            for event_id, order_id, sequence in rows
        )
        subscription.cursor_position = top
        await session.flush()
        return len(rows)

    # -- 2. claim ------------------------------------------------------------------------

    async def claim(self) -> Claimed | None:
        """Take the next due delivery under a lease, its payload rendered; None if none."""
        async with session_scope(self.sessions) as session:
            while True:
                delivery = await self._next_due(session)
                if delivery is None:
                    return None
                claimed = await self._take(session, delivery)
                if claimed is not None:
                    return claimed

    async def _next_due(self, session: AsyncSession) -> WebhookDelivery | None:
        now = self.clock()
        earlier = aliased(WebhookDelivery)
        stmt = (
            select(WebhookDelivery)
            .where(
                WebhookDelivery.state == DeliveryState.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                *self._in_tenants(WebhookDelivery.tenant_id),
                or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
                exists().where(
                    WebhookSubscription.tenant_id == WebhookDelivery.tenant_id,
                    WebhookSubscription.id == WebhookDelivery.subscription_id,
                    WebhookSubscription.enabled.is_(True),
                ),
                ~exists().where(
                    earlier.tenant_id == WebhookDelivery.tenant_id,
                    earlier.subscription_id == WebhookDelivery.subscription_id,
                    earlier.order_id == WebhookDelivery.order_id,
                    earlier.state == DeliveryState.PENDING,
                    earlier.sequence < WebhookDelivery.sequence,
                ),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return (await session.scalars(stmt)).one_or_none()

    async def _take(self, session: AsyncSession, delivery: WebhookDelivery) -> Claimed | None:
        """Lease ``delivery`` and render it; None when it cannot go out (then it is set
        aside: failed, or its subscription disabled)."""
        now = self.clock()
        subscription = await find_in_tenant(
            session, WebhookSubscription, delivery.subscription_id, tenant_id=delivery.tenant_id
        )
        assert subscription is not None  # deliveries go with their subscription
        payload_format = self._format(subscription)
        if payload_format is None:  # another worker may know it; look again later
            delivery.next_attempt_at = now + dt.timedelta(minutes=1)
            await session.flush()
            return None
        principal = await self._principal(session, subscription, now)
        if principal is None:
            await session.flush()
            return None
        event = await find_in_tenant(
            session, OrderEvent, delivery.event_id, tenant_id=delivery.tenant_id
        )
        assert event is not None  # the delivery's foreign key
        try:
            payload = await payload_format.render(session, event, subscription, principal)
        except NotFound:
            delivery.state = DeliveryState.FAILED
            delivery.last_error = "the order is no longer visible to the webhook's credential"
            tally.note(session, "webhook_delivery", outcome="failed")
            delivery.lease_until = delivery.lease_token = None
            await session.flush()
            return None
        self._audit(session, subscription, delivery, principal, event.uid)
        token = secrets.token_hex(16)
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.lease_token = token
        delivery.lease_until = now + dt.timedelta(seconds=self.options.timeout) + LEASE_MARGIN
        await session.flush()
        return Claimed(
            tenant_id=delivery.tenant_id,
            delivery_id=delivery.id,
            subscription_id=subscription.id,
            lease_token=token,
            url=subscription.url,
            message_id=event.uid,
            body=json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(),
            signing_secrets=subscription.secrets_at(utcnow()),
        )

    @staticmethod
    def _audit(
        session: AsyncSession,
        subscription: WebhookSubscription,
        delivery: WebhookDelivery,
        principal: Principal,
        message_id: str,
    ) -> None:
        """A payload that carries PHI is recorded in the audit trail before it is sent."""
        disclosed = disclosures(session)
        if not disclosed:
            return
        record_access(
            session,
            Access(
                tenant_id=subscription.tenant_id,
                principal=principal,
                method="POST",
                surface="webhook",
                route="/v1/webhooks/{webhook_id}/deliveries/{delivery_id}",
                path=f"/v1/webhooks/{subscription.id}/deliveries/{delivery.id}",
                status=200,
                client_address=(urlsplit(subscription.url).hostname or "")[:100],
                request_id=message_id,
            ),
            disclosed,
        )
        session.info.pop("orderdesk.disclosures", None)

    # -- 3. send -------------------------------------------------------------------------

    async def send(self, claimed: Claimed) -> Outcome:
        """One signed attempt; what the receiver answered, or why there was no answer."""
        try:
            await check_url(claimed.url, allow_private=self.options.allow_private)
        except RefusedURL as refused:
            return Outcome(error=f"the URL is refused: {refused}")
        headers = signing.headers(
            claimed.signing_secrets, claimed.message_id, utcnow(), claimed.body
        )
        client = self._client or self._new_client()
        try:
            async with (
                asyncio.timeout(self.options.timeout),
                client.stream("POST", claimed.url, content=claimed.body, headers=headers) as answer,
            ):
                # The body is never read: only the status and Retry-After matter.
                return Outcome(
                    status=answer.status_code,
                    retry_after=retry_after(answer.headers.get("retry-after"), self.clock()),
                )
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(error=f"no answer within {self.options.timeout:g} s")
        except httpx.HTTPError as exc:  # the kind only: a message may quote the URL
            return Outcome(error=f"could not connect ({type(exc).__name__})")
        finally:
            if self._client is None:
                await client.aclose()

    def _new_client(self) -> httpx.AsyncClient:
        # No redirects (a 3xx is a failed attempt, so a redirect cannot dodge the URL
        # check) and no proxy from the environment.
        return httpx.AsyncClient(
            transport=self.transport,
            timeout=httpx.Timeout(self.options.timeout),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": "orderdesk-webhooks"},
        )

    # -- 4. record -----------------------------------------------------------------------

    async def record(self, claimed: Claimed, outcome: Outcome) -> DeliveryState | None:
        """Note the attempt's outcome and what comes next; None if the lease was lost."""
        async with session_scope(self.sessions) as session:
            now = self.clock()
            delivery = (
                await session.scalars(
                    select(WebhookDelivery)
                    .where(
                        WebhookDelivery.tenant_id == claimed.tenant_id,
                        WebhookDelivery.id == claimed.delivery_id,
                        WebhookDelivery.lease_token == claimed.lease_token,
                    )
                    .with_for_update()
                )
            ).one_or_none()
            if delivery is None:  # the lease expired and another worker took it
                tally.note(session, "webhook_delivery", outcome="lease_lost")
                return None
            delivery.lease_until = delivery.lease_token = None
            delivery.last_status_code = outcome.status
            delivery.last_error = outcome.error
            status = outcome.status
            outcome_name = "retrying"
            if status is not None and 200 <= status < 300:
                delivery.state = DeliveryState.DELIVERED
                delivery.delivered_at = now
                outcome_name = "delivered"
            elif status == 410:
                outcome_name = "disabled"
                subscription = await find_in_tenant(
                    session,
                    WebhookSubscription,
                    delivery.subscription_id,
                    tenant_id=delivery.tenant_id,
                )
                assert subscription is not None
                subscription.disable("the endpoint answered 410 Gone", now)
                delivery.last_error = "410 Gone: the webhook is disabled"
                log.warning("webhook %s disabled: its endpoint answered 410", subscription.id)
            elif delivery.attempts >= len(self.options.schedule):
                delivery.state = DeliveryState.FAILED
                outcome_name = "failed"
            else:
                delay = self.options.schedule[delivery.attempts]
                delay *= 1 + self.rng.uniform(-JITTER, JITTER)
                at = now + dt.timedelta(seconds=delay)
                if outcome.retry_after is not None and outcome.retry_after > at:
                    at = outcome.retry_after
                delivery.next_attempt_at = at
            if status is not None and not 200 <= status < 300 and delivery.last_error is None:
                delivery.last_error = f"the endpoint answered {status}"
            tally.note(session, "webhook_delivery", outcome=outcome_name)
            await session.flush()
            log.info(
                "webhook %s delivery %s (event %s) attempt %s: %s -> %s",
                claimed.subscription_id,
                delivery.id,
                claimed.message_id,
                delivery.attempts,
                status if status is not None else "no answer",
                delivery.state.value,
            )
            return delivery.state

    # -- the loop ------------------------------------------------------------------------

    async def deliver_one(self) -> bool:
        """Claim, send and record one delivery; False when none was due."""
        claimed = await self.claim()
        if claimed is None:
            return False
        await self.record(claimed, await self.send(claimed))
        return True

    async def run_once(self) -> int:
        """Fan out, then send every due delivery one after another; how many were sent."""
        await self.fan_out()
        sent = 0
        while await self.deliver_one():
            sent += 1
        return sent

    async def housekeeping(self) -> None:
        """Work the worker does beside deliveries, at most once a ``HOUSEKEEPING_EVERY``:
        dropping the idempotency keys kept past their time."""
        now = self.clock()
        if self._housekept_at is not None and now - self._housekept_at < HOUSEKEEPING_EVERY:
            return
        self._housekept_at = now
        async with session_scope(self.sessions) as session:
            purged = await idempotency_store.purge_expired(session, now)
        if purged:
            log.info("purged %s expired idempotency keys", purged)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: fan out every poll interval, and keep ``concurrency``
        senders busy. On stop, attempts in flight finish (each within its timeout)."""
        async with self._new_client() as client:
            self._client = client
            try:
                senders = [
                    asyncio.create_task(self._sender(stop), name=f"webhook-sender-{n}")
                    for n in range(self.options.concurrency)
                ]
                while not stop.is_set():
                    try:
                        await self.fan_out()
                        await self.housekeeping()
                    except Exception as exc:
                        log.error("webhook fan-out failed: %s", _kind(exc))
                    await _wait(stop, self.options.poll_interval)
                await asyncio.gather(*senders)
            finally:
                self._client = None

    async def _sender(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                worked = await self.deliver_one()
            except Exception as exc:
                log.error("webhook delivery failed: %s", _kind(exc))
                worked = False
            if not worked:
                await _wait(stop, self.options.poll_interval)


def _kind(exc: BaseException) -> str:
    """What failed, by kind only: a message may quote a URL or a value."""
    cause = getattr(exc, "orig", None)
    return type(exc).__name__ + (f" ({type(cause).__name__})" if cause is not None else "")


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
