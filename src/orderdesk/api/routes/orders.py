"""Orders: place, read, list, edit, move through the workflow, notes, tracking, timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request, Response, status
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.api import NATIVE
from orderdesk.api.callers import CanReadOrders, CanWriteDevices, CanWriteOrders
from orderdesk.api.listing import ListPage, Paging, PagingDep, page_response, sorted_by
from orderdesk.http.conditional import IfMatch, OptionalIfMatch, etag
from orderdesk.http.inputs import refuse_null_body
from orderdesk.http.openapi import sends
from orderdesk.http.routing import surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders import fulfilment, queries, receiving, service
from orderdesk.orders.models import EXTERNAL_IDS_MAX, TAGS_MAX, Order
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
from orderdesk.schemas import CODE_MAX, Code, Input
from orderdesk.tenancy.principal import Principal

router = surface_router(NATIVE, prefix="/v1", tags=["orders"])

#: A tag or an external id, as the path names it.
ValueInPath = Annotated[str, Path(min_length=1, max_length=CODE_MAX)]


async def _answer(
    session: AsyncSession, order: Order, principal: Principal, response: Response
) -> OrderRead:
    """The order as the caller sees it, with its version as the ``ETag``."""
    read = await read_order(session, order, principal)
    response.headers["ETag"] = etag(read.version)
    return read


@router.post(
    "/orders", status_code=status.HTTP_201_CREATED, responses=sends(201, "ETag", "Location")
)
async def create_order(
    body: OrderCreate, session: SessionDep, principal: CanWriteOrders, response: Response
) -> OrderRead:
    order = await service.create_order(session, body, principal=principal)
    response.headers["Location"] = f"/v1/orders/{order.id}"
    return await _answer(session, order, principal, response)


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
    order = await service.load_order(session, order_id, principal)
    return await _answer(session, order, principal, response)


@router.patch("/orders/{order_id}", responses=sends(200, "ETag"))
async def update_order(
    order_id: int,
    body: OrderUpdate,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: IfMatch,
) -> OrderRead:
    order = await service.update_order(
        session, order_id, body, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.post("/orders/{order_id}/transitions", responses=sends(200, "ETag"))
async def move_order(
    order_id: int,
    body: TransitionRequest,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: IfMatch,
) -> OrderRead:
    order = await service.move_order(
        session, order_id, body, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.post(
    "/orders/{order_id}/cancel",
    dependencies=[Depends(refuse_null_body)],
    responses=sends(200, "ETag"),
)
async def cancel_order(
    order_id: int,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: IfMatch,
    body: CancelRequest | None = None,
) -> OrderRead:
    order = await service.cancel_order(
        session, order_id, body or CancelRequest(), principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.post("/orders/{order_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    order_id: int,
    body: NoteCreate,
    session: SessionDep,
    principal: CanWriteOrders,
    expected: IfMatch,
) -> NoteRead:
    return NoteRead.model_validate(
        await service.add_note(
            session, order_id, body, principal=principal, expected_version=expected
        )
    )


@router.post("/orders/{order_id}/tracking-numbers", status_code=status.HTTP_201_CREATED)
async def add_tracking_number(
    order_id: int,
    body: TrackingNumberCreate,
    session: SessionDep,
    principal: CanWriteOrders,
    expected: IfMatch,
) -> TrackingNumberRead:
    return TrackingNumberRead.model_validate(
        await service.add_tracking_number(
            session, order_id, body, principal=principal, expected_version=expected
        )
    )


class TagsAdd(Input):
    tags: Annotated[list[Code], Field(min_length=1, max_length=TAGS_MAX)] = Field(
        description="Tags to add; those the order has already stay once"
    )


class ExternalIdsAdd(Input):
    external_order_ids: Annotated[list[Code], Field(min_length=1, max_length=EXTERNAL_IDS_MAX)] = (
        Field(description="External ids to add; those the order has already stay once")
    )


@router.post("/orders/{order_id}/tags", responses=sends(200, "ETag"))
async def add_tags(
    order_id: int,
    body: TagsAdd,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: OptionalIfMatch,
) -> OrderRead:
    """Add tags to the open order without losing another's concurrent change: no
    `If-Match` needed."""
    order = await service.add_values(
        session, order_id, "tags", body.tags, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.delete("/orders/{order_id}/tags/{tag:path}", responses=sends(200, "ETag"))
async def remove_tag(
    order_id: int,
    tag: ValueInPath,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: OptionalIfMatch,
) -> OrderRead:
    """Take a tag off the open order (nothing to do if it has none such); no `If-Match`
    needed."""
    order = await service.remove_value(
        session, order_id, "tags", tag, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.post("/orders/{order_id}/external-ids", responses=sends(200, "ETag"))
async def add_external_ids(
    order_id: int,
    body: ExternalIdsAdd,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: OptionalIfMatch,
) -> OrderRead:
    """Add external ids to the open order, as tags are added."""
    order = await service.add_values(
        session,
        order_id,
        "external_order_ids",
        body.external_order_ids,
        principal=principal,
        expected_version=expected,
    )
    return await _answer(session, order, principal, response)


@router.delete("/orders/{order_id}/external-ids/{external_id:path}", responses=sends(200, "ETag"))
async def remove_external_id(
    order_id: int,
    external_id: ValueInPath,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: OptionalIfMatch,
) -> OrderRead:
    """Take an external id off the open order, as a tag is taken off."""
    order = await service.remove_value(
        session,
        order_id,
        "external_order_ids",
        external_id,
        principal=principal,
        expected_version=expected,
    )
    return await _answer(session, order, principal, response)


@router.post("/orders/{order_id}/devices", responses=sends(200, "ETag"))
async def assign_devices(
    order_id: int,
    body: DeviceAssignment,
    session: SessionDep,
    principal: CanWriteDevices,
    response: Response,
    expected: IfMatch,
) -> OrderRead:
    """Assign devices to the open order (its supplier, or an admin)."""
    order = await fulfilment.assign_devices(
        session, order_id, body, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.delete("/orders/{order_id}/devices/{device_id}", responses=sends(200, "ETag"))
async def unassign_device(
    order_id: int,
    device_id: int,
    session: SessionDep,
    principal: CanWriteDevices,
    response: Response,
    expected: IfMatch,
) -> OrderRead:
    """Take a device off the open order: it is back in stock, held by nobody."""
    order = await fulfilment.unassign_device(
        session, order_id, device_id, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.post(
    "/orders/{order_id}/packed-kits",
    status_code=status.HTTP_201_CREATED,
    responses=sends(201, "ETag"),
)
async def pack_kit(
    order_id: int,
    body: KitPacking,
    session: SessionDep,
    principal: CanWriteDevices,
    response: Response,
    expected: IfMatch,
) -> OrderRead:
    """Pack one of the open order's kits with devices (its supplier, or an admin); the
    devices not yet on the order are assigned by it."""
    order = await fulfilment.pack_kit(
        session, order_id, body, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.delete("/orders/{order_id}/packed-kits/{packed_kit_id}", responses=sends(200, "ETag"))
async def unpack_kit(
    order_id: int,
    packed_kit_id: int,
    session: SessionDep,
    principal: CanWriteDevices,
    response: Response,
    expected: IfMatch,
) -> OrderRead:
    """Take a packed kit apart before it ships; its devices stay assigned to the order."""
    order = await fulfilment.unpack_kit(
        session, order_id, packed_kit_id, principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


@router.post(
    "/orders/{order_id}/returns/received",
    dependencies=[Depends(refuse_null_body)],
    responses=sends(200, "ETag"),
)
async def receive_returns(
    order_id: int,
    session: SessionDep,
    principal: CanWriteOrders,
    response: Response,
    expected: IfMatch,
    body: ReturnsReceipt | None = None,
) -> OrderRead:
    """Record what came back of the order's returns (its supplier, or an admin): without
    a body, everything not received yet. Devices received are `returned`, free for
    another order."""
    order = await receiving.receive_returns(
        session, order_id, body or ReturnsReceipt(), principal=principal, expected_version=expected
    )
    return await _answer(session, order, principal, response)


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
