"""Impilo's webhooks ("Create Webhook", its v3 reference): the request and answer of
``POST /webhook``, and the two payload formats it subscribes to.

``order.status`` and ``order.statusFull`` subscriptions are core subscriptions in the
formats ``impilo-status`` and ``impilo-statusFull`` (registered here with the core's
``webhooks.payloads``), sent for the orders this API describes (``mapping.DESCRIBED``)
when an order's status moves, it is cancelled, or a tracking number is added. Each
delivery is signed as every webhook is (Standard Webhooks), its body::

    {"type": "order.status", "timestamp": "2026-12-04T01:30:00Z",
     "data": {"id": 42, "currentStatus": "shipped",
              "trackingNumbers": [{"carrier": "usps", "value": "9400..."}]}}

``order.statusFull`` carries the whole order model in ``data``, exactly as
``GET /order/{id}`` shows it to the subscribing key (PHI null without ``phi:read``).
The answer to ``POST /webhook`` is Impilo's ``{"type", "url", "id"}``; the signing
secret, shown only then, comes in its ``Webhook-Secret`` header.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.compat.impilo import mapping
from orderdesk.orders import queries
from orderdesk.orders import service as orders
from orderdesk.orders.feed import event_type
from orderdesk.orders.models import EventKind, OrderEvent
from orderdesk.orders.read_model import for_caller, order_view, read_event, read_order
from orderdesk.tenancy.principal import Principal
from orderdesk.webhooks import payloads
from orderdesk.webhooks.models import URL_MAX, WebhookSubscription

ImpiloWebhookType = Literal["order.status", "order.statusFull"]

#: The payload format of each Impilo webhook type.
FORMATS: dict[str, str] = {
    "order.status": "impilo-status",
    "order.statusFull": "impilo-statusFull",
}
#: The core events an Impilo webhook is sent for: what changes an order's status or
#: its tracking numbers (notes, edits and devices are not status updates).
TRIGGERS = tuple(
    event_type(kind)
    for kind in (EventKind.STATUS_MOVED, EventKind.CANCELLED, EventKind.TRACKING_ADDED)
)

#: The answer's header with the subscription's signing secret (Impilo's body has no room).
SECRET_HEADER = "Webhook-Secret"
CREATED_DOCS: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            SECRET_HEADER: {
                "description": "The Standard Webhooks signing secret (whsec_...), shown only "
                "in this answer",
                "schema": {"type": "string"},
                "required": True,
            }
        }
    }
}


class ImpiloWebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: ImpiloWebhookType = Field(description="order.status or order.statusFull")
    url: str = Field(min_length=1, max_length=URL_MAX, description="Where to send the events")


class ImpiloWebhook(BaseModel):
    type: str
    url: str
    id: int


async def _render_status(
    session: AsyncSession,
    event: OrderEvent,
    subscription: WebhookSubscription,
    principal: Principal,
) -> dict[str, Any]:
    order = await orders.load_order(session, event.order_id, principal, within=mapping.DESCRIBED)
    # No PHI here, so read without noting a disclosure.
    read = for_caller(await order_view(session, order), principal)
    return {
        "type": "order.status",
        "timestamp": mapping.timestamp(event.occurred_at),
        "data": {
            "id": read.id,
            "currentStatus": mapping.impilo_status(read.status),
            "trackingNumbers": [
                {"carrier": t.carrier, "value": t.value} for t in read.tracking_numbers
            ],
        },
    }


async def _render_status_full(
    session: AsyncSession,
    event: OrderEvent,
    subscription: WebhookSubscription,
    principal: Principal,
) -> dict[str, Any]:
    order = await orders.load_order(session, event.order_id, principal, within=mapping.DESCRIBED)
    timeline = (await queries.timelines(session, [order]))[order.id]
    rendered = mapping.to_impilo(
        await read_order(session, order, principal),
        [read_event(session, e, principal) for e in timeline],
    )
    return {
        "type": "order.statusFull",
        "timestamp": mapping.timestamp(event.occurred_at),
        "data": rendered.model_dump(mode="json", by_alias=True),
    }


payloads.register(
    payloads.PayloadFormat(
        name=FORMATS["order.status"], render=_render_status, within=mapping.DESCRIBED
    )
)
payloads.register(
    payloads.PayloadFormat(
        name=FORMATS["order.statusFull"], render=_render_status_full, within=mapping.DESCRIBED
    )
)
