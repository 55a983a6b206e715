"""Orders: place, read, list, edit, move through the workflow, notes, tracking, timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Response, status

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadOrders, CanWriteDevices, CanWriteOrders
from orderdesk.api.listing import ListPage, Paging, PagingDep, page_response, sorted_by
from orderdesk.http.conditional import etag, parse_if_match
from orderdesk.http.inputs import refuse_null_body
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders import fulfilment, queries, receiving, service
from orderdesk.orders.read_model import read_event, read_order, read_orders
from orderdesk.orders.schemas import (
    CancelRequest,
    DeviceAssignment,
    KitPacking,
    NoteCreate,
    NoteRead,
    OrderCreate,
    OrderEventRead,
    OrderRead,
    OrderUpdate,
    ReturnsReceipt,
    TrackingNumberCreate,
    TrackingNumberRead,
    TransitionRequest,
)

router = surface_router(NATIVE, prefix="/v1", tags=["orders"])


@router.post(
    "/orders", status_code=status.HTTP_201_CREATED, responses=sends(201, "ETag", "Location")
)
async def create_order(
    body: OrderCreate, session: SessionDep, principal: CanWriteOrders, response: Response
) -> OrderRead:
    order = await read_order(
        session, await service.create_order(session, body, principal=principal), principal
    )
    response.headers["ETag"] = etag(order.version)
    response.headers["Location"] = f"/v1/orders/{order.id}"
    return order


@router.get("/orders")
async def list_orders(
    request: Request,
    session: SessionDep,
    principal: CanReadOrders,
    paging: Annotated[Paging, Depends(sorted_by(*queries.ORDER_SORTS))],
    filters: Annotated[queries.OrderFilter, Depends()],
) -> ListPage[OrderRead]:
    page = await queries.list_orders(
        session, principal, filters, sort=paging.sort, cursor=paging.cursor, limit=paging.limit
    )
    rendered = await read_orders(session, page.items, principal)
    return page_response(request, page.with_items(rendered), lambda o: o)


@router.get("/orders/{order_id}", responses=sends(200, "ETag"))
async def get_order(
    order_id: int, session: SessionDep, principal: CanReadOrders, response: Response
) -> OrderRead:
    order = await read_order(
        session, await service.load_order(session, order_id, principal), principal
    )
    response.headers["ETag"] = etag(order.version)
    return order


@router.patch("/orders/{order_id}", responses=sends(200, "ETag"))
async def update_order(
    order_id: int,
    body: OrderUpdate,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> OrderRead:
    updated = await service.update_order(
        session, order_id, body, principal=principal, expected_version=parse_if_match(if_match)
    )
    order = await read_order(session, updated, principal)
    response.headers["ETag"] = etag(order.version)
    return order


@router.post("/orders/{order_id}/transitions")
async def move_order(
    order_id: int, body: TransitionRequest, session: SessionDep, principal: CanWriteOrders
) -> OrderRead:
    return await read_order(
        session, await service.move_order(session, order_id, body, principal=principal), principal
    )


@router.post("/orders/{order_id}/cancel", dependencies=[Depends(refuse_null_body)])
async def cancel_order(
    order_id: int, session: SessionDep, principal: CanWriteOrders, body: CancelRequest | None = None
) -> OrderRead:
    return await read_order(
        session,
        await service.cancel_order(session, order_id, body or CancelRequest(), principal=principal),
        principal,
    )


@router.post("/orders/{order_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    order_id: int, body: NoteCreate, session: SessionDep, principal: CanWriteOrders
) -> NoteRead:
    return NoteRead.model_validate(
        await service.add_note(session, order_id, body, principal=principal)
    )


@router.post("/orders/{order_id}/tracking-numbers", status_code=status.HTTP_201_CREATED)
async def add_tracking_number(
    order_id: int, body: TrackingNumberCreate, session: SessionDep, principal: CanWriteOrders
) -> TrackingNumberRead:
    return TrackingNumberRead.model_validate(
        await service.add_tracking_number(session, order_id, body, principal=principal)
    )


@router.post("/orders/{order_id}/devices")
async def assign_devices(
    order_id: int, body: DeviceAssignment, session: SessionDep, principal: CanWriteDevices
) -> OrderRead:
    """Assign devices to the open order (its supplier, or an admin)."""
    return await read_order(
        session,
        await fulfilment.assign_devices(session, order_id, body, principal=principal),
        principal,
    )


@router.delete("/orders/{order_id}/devices/{device_id}")
async def unassign_device(
    order_id: int, device_id: int, session: SessionDep, principal: CanWriteDevices
) -> OrderRead:
    """Take a device off the open order: it is back in stock, held by nobody."""
    return await read_order(
        session,
        await fulfilment.unassign_device(session, order_id, device_id, principal=principal),
        principal,
    )


@router.post("/orders/{order_id}/packed-kits", status_code=status.HTTP_201_CREATED)
async def pack_kit(
    order_id: int, body: KitPacking, session: SessionDep, principal: CanWriteDevices
) -> OrderRead:
    """Pack one of the open order's kits with devices (its supplier, or an admin); the
    devices not yet on the order are assigned by it."""
    return await read_order(
        session, await fulfilment.pack_kit(session, order_id, body, principal=principal), principal
    )


@router.delete("/orders/{order_id}/packed-kits/{packed_kit_id}")
async def unpack_kit(
    order_id: int, packed_kit_id: int, session: SessionDep, principal: CanWriteDevices
) -> OrderRead:
    """Take a packed kit apart before it ships; its devices stay assigned to the order."""
    return await read_order(
        session,
        await fulfilment.unpack_kit(session, order_id, packed_kit_id, principal=principal),
        principal,
    )


@router.post("/orders/{order_id}/returns/received", dependencies=[Depends(refuse_null_body)])
async def receive_returns(
    order_id: int,
    session: SessionDep,
    principal: CanWriteOrders,
    body: ReturnsReceipt | None = None,
) -> OrderRead:
    """Record what came back of the order's returns (its supplier, or an admin): without
    a body, everything not received yet. Devices received are `returned`, free for
    another order."""
    return await read_order(
        session,
        await receiving.receive_returns(
            session, order_id, body or ReturnsReceipt(), principal=principal
        ),
        principal,
    )


@router.get("/orders/{order_id}/timeline")
async def order_timeline(
    order_id: int,
    request: Request,
    session: SessionDep,
    principal: CanReadOrders,
    paging: PagingDep,
) -> ListPage[OrderEventRead]:
    page = await queries.timeline(
        session, order_id, principal, cursor=paging.cursor, limit=paging.limit
    )
    return page_response(request, page, lambda e: read_event(session, e, principal))
