"""The event feed: the tenant's order events in commit order, for consumers that poll."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query, Request
from pydantic import BaseModel, Field

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadOrders
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders import feed
from orderdesk.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = surface_router(NATIVE, prefix="/v1", tags=["events"])


class FeedEvent(BaseModel):
    """One event: what changed, never a field of the order (read the order for that)."""

    id: str = Field(description="The event's id, stable: the `webhook-id` of its deliveries")
    type: str = Field(description="What happened: `order.created`, `order.status_moved`, ...")
    order_id: int
    sequence: int = Field(description="The event's place among its order's events: 1, 2, ...")
    occurred_at: dt.datetime


class EventFeed(BaseModel):
    items: list[FeedEvent] = Field(description="Oldest first, in the order they committed")
    after: str = Field(description="The cursor past the last event here: poll with it")
    next: str = Field(
        description="URL of what follows (poll it: empty now means nothing newer yet)"
    )


@router.get("/events")
async def list_events(
    request: Request,
    session: SessionDep,
    principal: CanReadOrders,
    after: Annotated[
        str | None,
        Query(max_length=100, description="`after` of the previous answer; none: from the start"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}")] = (
        DEFAULT_LIMIT
    ),
) -> EventFeed:
    """The events of the orders the caller may see, past ``after``, in commit order.

    A consumer keeps the last ``after`` it got and polls with it; an event never
    appears behind a cursor already given out, so nothing is missed and nothing
    repeats. Each event says its order and its place in that order (``sequence``)."""
    position = feed.decode_cursor(after)
    events = await feed.events_after(session, principal, after=position, limit=limit)
    if events:
        position = events[-1].position or position
    cursor = feed.encode_cursor(position)
    return EventFeed(
        items=[FeedEvent.model_validate(feed.thin(event)) for event in events],
        after=cursor,
        next=str(request.url.include_query_params(after=cursor)),
    )
