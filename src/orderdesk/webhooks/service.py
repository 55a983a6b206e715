"""Use cases for webhook subscriptions and their deliveries. They flush, never commit.

A subscription belongs to the credential that made it (and that credential's
account): admins of the tenant see every subscription, a customer or supplier
only its account's. Its events are those of the orders its credential may see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from orderdesk.db import utcnow
from orderdesk.errors import Conflict, FieldError, Forbidden, ValidationFailed, not_found
from orderdesk.orders.feed import EVENT_TYPES
from orderdesk.orders.models import OrderEvent
from orderdesk.pagination import Page, paginate
from orderdesk.schemas import ID_MAX
from orderdesk.tenancy.principal import Principal
from orderdesk.webhooks import payloads, signing
from orderdesk.webhooks.guard import RefusedURL, check_url
from orderdesk.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription

SUBSCRIPTION_SORTS = {"id": WebhookSubscription.id, "created_at": WebhookSubscription.created_at}
DELIVERY_SORTS = {"id": WebhookDelivery.id, "created_at": WebhookDelivery.created_at}


def _visible(principal: Principal) -> ColumnElement[bool]:
    if principal.is_admin:
        return true()
    return WebhookSubscription.account_id == principal.account_id


def subscriptions_of(principal: Principal) -> Select[WebhookSubscription]:
    return select(WebhookSubscription).where(
        WebhookSubscription.tenant_id == principal.tenant_id, _visible(principal)
    )


async def checked_url(url: str, *, allow_private: bool, pointer: str = "/url") -> str:
    """``url`` if webhooks may go there, else a 422 naming ``pointer`` and what is allowed."""
    try:
        await check_url(url, allow_private=allow_private)
    except RefusedURL as refused:
        raise ValidationFailed(
            "the webhook URL is not allowed", errors=[FieldError(str(refused), pointer=pointer)]
        ) from None
    return url


async def create_subscription(
    session: AsyncSession,
    *,
    url: str,
    event_types: Sequence[str] | None,
    payload_format: str = payloads.NATIVE,
    full_payload: bool = False,
    principal: Principal,
    allow_private: bool,
    pointers: dict[str, str] | None = None,
) -> tuple[WebhookSubscription, str]:
    """A new subscription of the calling credential and its secret (shown only now).

    It receives the events committed from now on. ``pointers`` renames the fields in
    errors (a surface whose request names them otherwise)."""
    named = {"url": "/url", "full_payload": "/full_payload", **(pointers or {})}
    if principal.credential_id is None:
        raise Forbidden("a webhook belongs to a credential; the system itself has none")
    if payloads.get(payload_format) is None:
        raise ValidationFailed(
            "unknown payload format", errors=[FieldError("not offered", pointer="/format")]
        )
    if full_payload and not principal.sees_phi:
        raise ValidationFailed(
            "full payloads carry the order as the credential sees it, PHI included",
            errors=[
                FieldError(
                    "may be true only for a credential holding phi:read; leave it false "
                    "for thin payloads",
                    pointer=named["full_payload"],
                )
            ],
        )
    await checked_url(url, allow_private=allow_private, pointer=named["url"])
    secret = signing.new_secret()
    last = await session.scalar(
        select(func.max(OrderEvent.position)).where(OrderEvent.tenant_id == principal.tenant_id)
    )
    subscription = WebhookSubscription(
        tenant_id=principal.tenant_id,
        credential_id=principal.credential_id,
        account_id=principal.account_id,
        url=url,
        event_types=list(event_types) if event_types else list(EVENT_TYPES),
        format=payload_format,
        full_payload=full_payload,
        secret=secret,
        enabled=True,
        cursor_position=last or 0,
    )
    session.add(subscription)
    await session.flush()
    return subscription, secret


async def list_subscriptions(
    session: AsyncSession, principal: Principal, *, sort: str, cursor: str | None, limit: int
) -> Page[WebhookSubscription]:
    return await paginate(
        session,
        subscriptions_of(principal),
        id_column=WebhookSubscription.id,
        sort_columns=SUBSCRIPTION_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def get_subscription(
    session: AsyncSession, subscription_id: int, principal: Principal, *, for_update: bool = False
) -> WebhookSubscription:
    """One subscription the principal may see, or the same 404 as for a missing one."""
    found = None
    if 1 <= subscription_id <= ID_MAX:
        stmt = subscriptions_of(principal).where(WebhookSubscription.id == subscription_id)
        if for_update:
            stmt = stmt.with_for_update()
        found = (await session.scalars(stmt)).one_or_none()
    if found is None:
        raise not_found("webhook", subscription_id)
    return found


async def update_subscription(
    session: AsyncSession,
    subscription_id: int,
    *,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    enabled: bool | None = None,
    principal: Principal,
    allow_private: bool,
) -> WebhookSubscription:
    subscription = await get_subscription(session, subscription_id, principal, for_update=True)
    if url is not None and url != subscription.url:
        subscription.url = await checked_url(url, allow_private=allow_private)
    if event_types is not None:
        subscription.event_types = list(event_types)
    if enabled is not None and enabled != subscription.enabled:
        subscription.enabled = enabled
        subscription.disabled_reason = None if enabled else "disabled by a client"
        subscription.disabled_at = None if enabled else utcnow()
    await session.flush()
    return subscription


async def delete_subscription(
    session: AsyncSession, subscription_id: int, principal: Principal
) -> WebhookSubscription:
    """Remove the subscription and its deliveries (pending ones are never sent); the
    subscription as it was."""
    subscription = await get_subscription(session, subscription_id, principal, for_update=True)
    await session.delete(subscription)
    await session.flush()
    return subscription


async def rotate_secret(
    session: AsyncSession, subscription_id: int, principal: Principal, *, overlap: dt.timedelta
) -> tuple[WebhookSubscription, str]:
    """A new secret (shown only now); the current one keeps signing beside it for
    ``overlap``, so receivers can switch without missing a delivery."""
    subscription = await get_subscription(session, subscription_id, principal, for_update=True)
    secret = signing.new_secret()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = utcnow() + overlap
    subscription.secret = secret
    await session.flush()
    return subscription, secret


async def list_deliveries(
    session: AsyncSession,
    subscription_id: int,
    principal: Principal,
    *,
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[WebhookDelivery]:
    subscription = await get_subscription(session, subscription_id, principal)
    stmt = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.tenant_id == subscription.tenant_id,
            WebhookDelivery.subscription_id == subscription.id,
        )
        .options(selectinload(WebhookDelivery.event))
    )
    return await paginate(
        session,
        stmt,
        id_column=WebhookDelivery.id,
        sort_columns=DELIVERY_SORTS,
        sort=sort,
        cursor=cursor,
        limit=limit,
    )


async def redeliver(
    session: AsyncSession, subscription_id: int, delivery_id: int, principal: Principal
) -> WebhookDelivery:
    """Send a delivery that has ended (failed, or delivered) again, from a fresh schedule;
    one still pending is a 409."""
    subscription = await get_subscription(session, subscription_id, principal)
    delivery = None
    if 1 <= delivery_id <= ID_MAX:
        delivery = (
            await session.scalars(
                select(WebhookDelivery)
                .where(
                    WebhookDelivery.tenant_id == subscription.tenant_id,
                    WebhookDelivery.subscription_id == subscription.id,
                    WebhookDelivery.id == delivery_id,
                )
                .options(selectinload(WebhookDelivery.event))
                .with_for_update()
            )
        ).one_or_none()
    if delivery is None:
        raise not_found("delivery", delivery_id)
    if delivery.state is DeliveryState.PENDING:
        raise Conflict(f"delivery {delivery.id} is still pending; it goes out on its own")
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.lease_until = None
    delivery.lease_token = None
    await session.flush()
    return delivery
