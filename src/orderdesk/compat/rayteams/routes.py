"""RAYTeams platform API (seed 000), under /compat/rayteams/v1.0.

Only translation lives here: the vendor request becomes core schemas, the core
services and queries do the work (and the scoping), and their read models are
rendered in the vendor's ``{"status": "success", "data": ...}`` envelope.
Errors are the app's RFC 9457 problem documents (the seed shows none).

Orders: every order (the order object fits any; its ``status`` is the state id, as
RAYTeams' product workflows name their nodes).

Decisions where the document is silent:

- ``x-rayteams-client-id`` is optional (the document sets no constraint on it): when
  sent, its value (trimmed) is recorded on the timeline as the calling client; when
  absent, no client is recorded. A value that is sent but blank or longer than
  ``CLIENT_MAX`` is a 400 naming the header; one holding text no field may hold
  (``schemas.NOT_TEXT``) is refused by the edge first, a 422 naming it, as in every
  header.
- String fields the order object always shows (``memo``, ``patientId``,
  ``subject.birth``, ``product.currency`` / ``discount`` / ``productname``) are ``""``
  when the order has no value for them, never ``null``; the objects ``product`` and
  ``subject`` are ``null`` when the order has no product or no patient.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request, Security
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.schemas import ProductRead
from orderdesk.catalog.service import load_product
from orderdesk.errors import BadRequest, FieldError, ValidationFailed
from orderdesk.http.auth import BEARER, principal_from
from orderdesk.http.openapi import CHECKED, ErrorDocs
from orderdesk.http.problems import PROBLEM, Problem, render_problem
from orderdesk.http.routing import Surface, surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders import queries, service
from orderdesk.orders.models import Order
from orderdesk.orders.read_model import read_event, read_order
from orderdesk.orders.schemas import OrderEventRead, OrderRead
from orderdesk.pagination import MAX_LIMIT
from orderdesk.projects.service import load_project
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import Scope
from orderdesk.workflow.registry import workflow_for_new_order

from . import mapping
from .schemas import (
    RayTeamsHistory,
    RayTeamsOrder,
    RayTeamsProduct,
    RayTeamsStatusUpdate,
    RayTeamsSuccess,
)

CLIENT_HEADER = "x-rayteams-client-id"
CLIENT_MAX = 200  # what the timeline stores of it

ERROR_DOCS = ErrorDocs(
    model=Problem,
    media_types=(PROBLEM,),
    descriptions={400: f"The {CLIENT_HEADER} header is sent blank or too long"},
)

router = surface_router(
    Surface(name="rayteams", render_error=render_problem, error_docs=ERROR_DOCS),
    tags=["compat: RAYTeams"],
)
#: Rows per core query while gathering a whole project.
PAGE_SIZE = MAX_LIMIT


async def _principal(
    request: Request,
    principal: Annotated[Principal, Depends(principal_from(BEARER))],
    client_id: Annotated[
        str | None,
        Header(
            alias=CLIENT_HEADER,
            description="Optional: the calling client's id, recorded on the order timeline",
            # Checked below (a 400 in this surface's shape), so documented, not validated.
            json_schema_extra={
                CHECKED: True,
                "minLength": 1,
                "maxLength": CLIENT_MAX,
                "pattern": r"\S",
            },
        ),
    ] = None,
) -> Principal:
    if client_id is None:
        return principal  # no client recorded
    client = client_id.strip()
    if not client or len(client) > CLIENT_MAX:
        detail = f"when sent: the calling client's id, 1 to {CLIENT_MAX} characters"
        raise BadRequest(
            f"the {CLIENT_HEADER} header, when sent, must carry the calling client's id",
            errors=[FieldError(detail, parameter=CLIENT_HEADER)],
        )
    request.state.principal = principal.with_client(client)
    return request.state.principal


#: The caller (with the client it names), holding the scope a route declares.
OrderReader = Annotated[Principal, Security(_principal, scopes=[Scope.ORDERS_READ])]
OrderWriter = Annotated[Principal, Security(_principal, scopes=[Scope.ORDERS_WRITE])]
CatalogReader = Annotated[Principal, Security(_principal, scopes=[Scope.CATALOG_READ])]

OrderId = Annotated[str, Path(alias="_orderId", description="The order's id")]
ProductId = Annotated[str, Path(alias="_productId", description="The product's id")]
Id = Annotated[str, Path(alias="_id")]


async def _order_view(session: AsyncSession, order_id: int, principal: Principal) -> OrderRead:
    return await read_order(
        session, await service.load_order(session, order_id, principal), principal
    )


async def _project_orders(
    session: AsyncSession, project_id: int, principal: Principal
) -> AsyncIterator[Order]:
    """Every order of the project the principal may see, oldest first, page by page."""
    cursor: str | None = None
    while True:
        page = await queries.list_orders(
            session,
            principal,
            queries.OrderFilter(project_id=project_id),
            sort="id",
            cursor=cursor,
            limit=PAGE_SIZE,
        )
        for order in page.items:
            yield order
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


@router.get("/order/{_orderId}")
async def get_order(
    order_id: OrderId, session: SessionDep, principal: OrderReader
) -> RayTeamsSuccess[RayTeamsOrder]:
    """4.5.1 Get order information."""
    view = await _order_view(session, mapping.ident(order_id, "order"), principal)
    return RayTeamsSuccess[RayTeamsOrder](data=mapping.order_out(view))


@router.put("/order/{_id}/status")
async def update_order_status(
    order_id: Id, body: RayTeamsStatusUpdate, session: SessionDep, principal: OrderWriter
) -> RayTeamsSuccess[RayTeamsOrder]:
    """4.2.2 Update order status: one move of the order's own workflow."""
    ident = mapping.ident(order_id, "order")
    try:
        moved = await service.set_status(
            session,
            ident,
            mapping.transition(body.data),
            principal=principal,
            name=body.data.status_name,
        )
    except ValidationFailed as error:
        raise mapping.in_body(error) from error
    view = await read_order(session, moved, principal)
    return RayTeamsSuccess[RayTeamsOrder](data=mapping.order_out(view))


@router.get("/product/{_productId}")
async def get_product(
    product_id: ProductId, session: SessionDep, principal: CatalogReader
) -> RayTeamsSuccess[RayTeamsProduct]:
    """The product and the workflow (status nodes) a new order of it would follow."""
    product = await load_product(session, mapping.ident(product_id, "product"), principal=principal)
    workflow = await workflow_for_new_order(
        session,
        tenant_id=product.tenant_id,
        supplier_account_id=product.account_id,
        product_id=product.id,
    )
    return RayTeamsSuccess[RayTeamsProduct](
        data=mapping.product_out(ProductRead.model_validate(product), workflow)
    )


@router.get("/project/{_id}/orders")
async def project_orders(
    project_id: Id, session: SessionDep, principal: OrderReader
) -> RayTeamsSuccess[list[RayTeamsOrder]]:
    """Every order of the project the caller may see, oldest first."""
    project = await load_project(session, mapping.ident(project_id, "project"), principal=principal)
    return RayTeamsSuccess[list[RayTeamsOrder]](
        data=[
            mapping.order_out(await read_order(session, order, principal))
            async for order in _project_orders(session, project.id, principal)
        ]
    )


@router.get("/project/{_id}/histories")
async def project_histories(
    project_id: Id, session: SessionDep, principal: OrderReader
) -> RayTeamsSuccess[list[RayTeamsHistory]]:
    """Every event of the project's orders, oldest first: every status change is here."""
    ident = mapping.ident(project_id, "project")
    events: list[OrderEventRead] = []
    cursor: str | None = None
    while True:  # raises the project's 404 before anything else is read
        page = await queries.project_timeline(
            session, ident, principal, cursor=cursor, limit=PAGE_SIZE
        )
        events.extend(read_event(session, e, principal) for e in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    states = {
        order.id: {s.id: s for s in (await read_order(session, order, principal)).workflow.states}
        async for order in _project_orders(session, ident, principal)
    }
    return RayTeamsSuccess[list[RayTeamsHistory]](
        data=[mapping.history_out(e, ident, states.get(e.order_id, {})) for e in events]
    )
