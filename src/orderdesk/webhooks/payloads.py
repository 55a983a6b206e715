"""Payload formats: how an event is written for a subscription, by the format it names.

The core registers ``native`` here; a compatibility surface registers its own (the
Impilo surface: ``impilo-status``, ``impilo-statusFull``), so the core never imports
a surface. Every format that shows an order renders it through the one read model
(``orders.read_model.read_order``) as the subscription's credential sees it, so PHI
is withheld exactly as for that credential, and what it discloses is audited.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orders import service as orders
from orderdesk.orders.feed import thin
from orderdesk.orders.models import OrderEvent
from orderdesk.orders.read_model import read_order
from orderdesk.orders.sets import OrderSet
from orderdesk.tenancy.principal import Principal

if TYPE_CHECKING:
    from orderdesk.webhooks.models import WebhookSubscription

#: Renders one event for one subscription, as ``principal`` (its credential) sees it.
Render = Callable[
    [AsyncSession, OrderEvent, "WebhookSubscription", Principal], Awaitable[dict[str, Any]]
]


@dataclass(frozen=True)
class PayloadFormat:
    name: str
    render: Render
    #: The orders this format can describe; events of other orders are not sent to it.
    within: OrderSet = OrderSet.EVERY


_FORMATS: dict[str, PayloadFormat] = {}


def register(payload_format: PayloadFormat) -> None:
    """Make ``payload_format`` available to subscriptions (and the worker) by its name."""
    _FORMATS[payload_format.name] = payload_format


def get(name: str) -> PayloadFormat | None:
    """The registered format ``name``; None when no loaded surface registered it."""
    return _FORMATS.get(name)


NATIVE = "native"


async def render_native(
    session: AsyncSession,
    event: OrderEvent,
    subscription: WebhookSubscription,
    principal: Principal,
) -> dict[str, Any]:
    """Thin by default (the event's id, type, order id and sequence: the receiver fetches
    the order, and that read is audited); with the order as ``OrderRead`` too when the
    subscription asks for full payloads and its credential still holds ``phi:read``."""
    payload = thin(event)
    # A credential that lost phi:read since gets thin payloads, as a new one would.
    if subscription.full_payload and principal.sees_phi:
        order = await orders.load_order(session, event.order_id, principal)
        read = await read_order(session, order, principal)
        payload["order"] = read.model_dump(mode="json", by_alias=True)
    return payload


register(PayloadFormat(name=NATIVE, render=render_native))
