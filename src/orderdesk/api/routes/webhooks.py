"""Webhooks: subscribe to order events, rotate the signing secret, see and replay deliveries.

Every route needs ``webhooks:write``. A customer or supplier key sees its account's
subscriptions, an admin key the tenant's; a subscription is sent the events of the
orders its credential may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Depends, Request, Response, Security, status

from orderdesk.api import NATIVE
from orderdesk.api.listing import ListPage, Paging, page_response, sorted_by
from orderdesk.http.auth import native_principal
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import Scope
from orderdesk.webhooks import service
from orderdesk.webhooks.models import WebhookDelivery, WebhookSubscription
from orderdesk.webhooks.schemas import (
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
    WebhookUpdate,
)

router = surface_router(NATIVE, prefix="/v1", tags=["webhooks"])

CanManageWebhooks = Annotated[
    Principal, Security(native_principal, scopes=[Scope.WEBHOOKS_WRITE.value])
]


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private)


def _created(subscription: WebhookSubscription, secret: str) -> WebhookCreated:
    return WebhookCreated(**WebhookRead.model_validate(subscription).model_dump(), secret=secret)


def _delivery(delivery: WebhookDelivery) -> DeliveryRead:
    pending = delivery.state.value == "pending"
    return DeliveryRead(
        id=delivery.id,
        event_id=delivery.event.uid,
        type=f"order.{delivery.event.kind.value}",
        order_id=delivery.order_id,
        sequence=delivery.sequence,
        state=delivery.state,
        attempts=delivery.attempts,
        last_attempt_at=delivery.last_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at if pending else None,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )


@router.post("/webhooks", status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: WebhookCreate,
    request: Request,
    session: SessionDep,
    principal: CanManageWebhooks,
    response: Response,
) -> WebhookCreated:
    """Subscribe a URL to the events of the orders this key may see. The answer holds
    the signing secret: it is shown only here (and by a rotation)."""
    subscription, secret = await service.create_subscription(
        session,
        url=body.url,
        event_types=body.event_types,
        full_payload=body.full_payload,
        principal=principal,
        allow_private=_allow_private(request),
    )
    response.headers["Location"] = f"/v1/webhooks/{subscription.id}"
    return _created(subscription, secret)


@router.get("/webhooks")
async def list_webhooks(
    request: Request,
    session: SessionDep,
    principal: CanManageWebhooks,
    paging: Annotated[Paging, Depends(sorted_by(*service.SUBSCRIPTION_SORTS))],
) -> ListPage[WebhookRead]:
    page = await service.list_subscriptions(
        session, principal, sort=paging.sort, cursor=paging.cursor, limit=paging.limit
    )
    return page_response(request, page, WebhookRead.model_validate)


@router.get("/webhooks/{webhook_id}")
async def get_webhook(
    webhook_id: int, session: SessionDep, principal: CanManageWebhooks
) -> WebhookRead:
    return WebhookRead.model_validate(
        await service.get_subscription(session, webhook_id, principal)
    )


@router.patch("/webhooks/{webhook_id}")
async def update_webhook(
    webhook_id: int,
    body: WebhookUpdate,
    request: Request,
    session: SessionDep,
    principal: CanManageWebhooks,
) -> WebhookRead:
    """Change the URL or the event types, or stop (``enabled: false``) and resume."""
    return WebhookRead.model_validate(
        await service.update_subscription(
            session,
            webhook_id,
            url=body.url,
            event_types=body.event_types,
            enabled=body.enabled,
            principal=principal,
            allow_private=_allow_private(request),
        )
    )


@router.delete("/webhooks/{webhook_id}")
async def delete_webhook(
    webhook_id: int, session: SessionDep, principal: CanManageWebhooks
) -> WebhookRead:
    """Remove the subscription (answered as it was); its pending deliveries are never sent."""
    return WebhookRead.model_validate(
        await service.delete_subscription(session, webhook_id, principal)
    )


@router.post("/webhooks/{webhook_id}/rotate")
async def rotate_webhook_secret(
    webhook_id: int, request: Request, session: SessionDep, principal: CanManageWebhooks
) -> WebhookCreated:
    """A new signing secret, shown only here. The old one keeps signing beside it (both
    signatures in ``webhook-signature``) for ``ORDERDESK_WEBHOOK_SECRET_OVERLAP`` seconds."""
    overlap = dt.timedelta(seconds=request.app.state.settings.webhook_secret_overlap)
    subscription, secret = await service.rotate_secret(
        session, webhook_id, principal, overlap=overlap
    )
    return _created(subscription, secret)


@router.get("/webhooks/{webhook_id}/deliveries")
async def list_deliveries(
    webhook_id: int,
    request: Request,
    session: SessionDep,
    principal: CanManageWebhooks,
    paging: Annotated[Paging, Depends(sorted_by(*service.DELIVERY_SORTS))],
) -> ListPage[DeliveryRead]:
    """Each event sent (or to be sent) to the subscription: its state and attempts."""
    page = await service.list_deliveries(
        session, webhook_id, principal, sort=paging.sort, cursor=paging.cursor, limit=paging.limit
    )
    return page_response(request, page, _delivery)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
)
async def redeliver(
    webhook_id: int, delivery_id: int, session: SessionDep, principal: CanManageWebhooks
) -> DeliveryRead:
    """Send a failed (or delivered) event again, with a fresh retry schedule."""
    return _delivery(await service.redeliver(session, webhook_id, delivery_id, principal))
