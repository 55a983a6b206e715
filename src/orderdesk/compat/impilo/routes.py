"""Impilo API v3 orders (seeds 002, 003), under ``/compat/impilo/api/v3``.

Orders
    Only those for a patient or a site with at least one item or kit line
    (``mapping.DESCRIBED``, a set of the core's: ``orders.sets``); any other is neither
    listed nor counted, its id is a 404 like a missing one, and a create the set would
    not hold is refused by the core.

Routes
    ``POST /order``        create; ``201`` with the full order model
    ``GET /order``         ``{content, first, last, page, size, total}``; ``page`` from 1,
                           ``size`` 1..250 (default 15), ``sortDescending`` (by creation
                           time; default false: oldest first, so pages stay put as orders
                           arrive). A page past the end has empty ``content`` and
                           ``last: true``.
    ``GET /order/{id}``    one order; another account's or tenant's is a 404 like a
                           missing one.
    ``POST /webhook``      ``{"type": "order.status" | "order.statusFull", "url"}`` ->
                           ``200 {"type", "url", "id"}`` (its v3 reference): a core webhook
                           subscription of the key (scope ``webhooks:write``), signed as
                           Standard Webhooks; see ``webhooks`` for what it sends.

Authentication
    ``Impilo-API-Key: <orderdesk API key>``, resolved exactly like the native API's
    keys; missing, unknown, revoked or expired -> 401. A customer key places orders
    for its account and sees its own; a supplier key sees the orders placed with it
    (and may not create: 403); an admin key sees the tenant's.

Requests (see ``schemas.ImpiloOrderCreate``)
    Exactly one of ``patient`` / ``site`` and at least one of ``orderItems`` /
    ``orderKits``; every referenced object needs only its ``id`` (the rest of a
    patient, item or kit object is ignored). ``id``, ``currentStatus``,
    ``orderEvents``, ``trackingNumbers``, ``devices`` and ``packedKits`` are the
    server's: accepted, so a client can send back an order it read, and ignored.
    Any other unknown attribute is refused.

Errors
    Impilo documents 400, 401 and 403 for a create; every validation failure is a
    400 (including those the core reports as 422), other failures keep their true
    status (404, 409, ...). The body, a Spring-style JSON error (Impilo's API is a
    Java service) with each offending attribute named by JSON Pointer::

        {"timestamp": "2024-05-01T09:30:00Z", "status": 400, "error": "Bad Request",
         "code": "validation_failed", "message": "patient or site required",
         "path": "/compat/impilo/api/v3/order",
         "errors": [{"pointer": "/patient", "detail": "..."}, ...]}

    ``code`` is ``item_not_orderable`` (message "Order contains Items that are
    marked as non-orderable. Order cannot be placed.") for a non-orderable item,
    ``kit_not_orderable`` for an archived kit, else the core's error code
    (``validation_failed``, ``unauthorized``, ``forbidden``, ``not_found``, ...).
    Query parameters are named as ``{"parameter": "size", ...}``.

Rendering (see ``mapping.to_impilo``)
    ``currentStatus`` is the core's Impilo term for the order's state
    (``workflow.vocabularies``: the term its workflow declares, else its id when that
    is an Impilo status, as in "impilo-device", else by its kind: NEW -> new,
    INPROGRESS -> processing, CLOSED completed -> delivered, CLOSED cancelled ->
    cancelled). ``orderEvents`` are "the status updates for the order", oldest first:
    the state it was placed in and each move since, named by the Impilo term of the
    state reached; notes, tracking numbers and edits are not status updates.
    ``packedKits`` are the kits the supplier packed for the order, each with the
    devices in it; ``devices`` are the devices sent outside a kit. Every device shows
    the guide's device fields (``currentStatus`` is the core's device status:
    ``assigned``, ``shipped``, ``with_patient``, ``returned``...). ``returnDevices``,
    ``returnItems`` and ``returnPackedKits`` are what comes back, checked in the core:
    a device the order's patient or site holds, a packed kit delivered to them, an item
    of the supplier. An
    order for a patient has ``site: null`` (the patient's own site is
    ``patient.site``); one for a site has ``patient: null``. A note's ``createdBy`` is
    the account that wrote it: ``email``, ``firstName`` and ``lastName`` are its
    contact's email, given and family names (``""`` where unknown, and for a note by an
    admin or system key), ``id`` the credential's id.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import Query, Request, Response, Security, status
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.compat.impilo import mapping, webhooks
from orderdesk.compat.impilo.schemas import (
    ImpiloError,
    ImpiloOrder,
    ImpiloOrderCreate,
    ImpiloOrderPage,
)
from orderdesk.db import utcnow
from orderdesk.errors import OrderdeskError, Unauthorized, ValidationFailed
from orderdesk.http.auth import principal_from
from orderdesk.http.openapi import ErrorDocs, sends
from orderdesk.http.routing import Surface, surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders import queries, service
from orderdesk.orders.models import Order
from orderdesk.orders.queries import OrderFilter
from orderdesk.orders.read_model import read_event, read_order
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import Scope
from orderdesk.webhooks import service as subscriptions

PAGE_SIZE_DEFAULT = 15
PAGE_SIZE_MAX = 250
PAGE_MAX = 2**31 - 1  # a Java int, as Impilo's page numbers are


def render_error(error: OrderdeskError, request: Request) -> Response:
    """Every error of these routes, in the shape the module docstring shows."""
    code = 400 if isinstance(error, ValidationFailed) else error.status
    body = {
        "timestamp": mapping.timestamp(utcnow()),
        "status": code,
        "error": HTTPStatus(code).phrase,
        "code": error.code,
        "message": error.detail or error.title,
        "path": request.url.path,
        "errors": [e.as_dict() for e in error.errors],
    }
    headers = {"WWW-Authenticate": "Impilo-API-Key"} if isinstance(error, Unauthorized) else None
    return JSONResponse(body, status_code=code, headers=headers)


ERROR_DOCS = ErrorDocs(
    model=ImpiloError,
    media_types=("application/json",),
    folds={422: 400},  # every validation failure is a 400 here
    descriptions={
        400: "Invalid request (names each attribute)",
        401: "Missing or unusable Impilo-API-Key",
        404: "No such order in the key's scope",
    },
)

router = surface_router(
    Surface(name="impilo", render_error=render_error, error_docs=ERROR_DOCS),
    tags=["compat: Impilo v3"],
)

# Its own scheme name: the default ("APIKeyHeader") is the native X-API-Key scheme's.
_api_key = APIKeyHeader(
    name="Impilo-API-Key",
    scheme_name="ImpiloApiKey",
    auto_error=False,
    description="An orderdesk API key",
)


_impilo_principal = principal_from(_api_key)
#: The caller, holding the scope a route declares.
ImpiloReader = Annotated[Principal, Security(_impilo_principal, scopes=[Scope.ORDERS_READ])]
ImpiloWriter = Annotated[Principal, Security(_impilo_principal, scopes=[Scope.ORDERS_WRITE])]
ImpiloWebhookWriter = Annotated[
    Principal, Security(_impilo_principal, scopes=[Scope.WEBHOOKS_WRITE])
]


async def _rendered(
    session: AsyncSession, orders: list[Order], principal: Principal
) -> list[ImpiloOrder]:
    events = await queries.timelines(session, orders)
    return [
        mapping.to_impilo(
            await read_order(session, order, principal),
            [read_event(session, e, principal) for e in events[order.id]],
        )
        for order in orders
    ]


@router.post("/order", status_code=status.HTTP_201_CREATED, responses=sends(201, "Location"))
async def create_order(
    body: ImpiloOrderCreate,
    request: Request,
    session: SessionDep,
    principal: ImpiloWriter,
    response: Response,
) -> ImpiloOrder:
    """Create an order for exactly one existing patient or site, with items and/or kits."""
    data, origins = mapping.to_order_create(body)
    try:
        order = await service.create_order(
            session, data, principal=principal, within=mapping.DESCRIBED
        )
    except ValidationFailed as exc:
        raise mapping.create_error(exc, origins) from exc
    response.headers["Location"] = f"{request.url.path.rstrip('/')}/{order.id}"
    (rendered,) = await _rendered(session, [order], principal)
    return rendered


@router.get("/order")
async def list_orders(
    session: SessionDep,
    principal: ImpiloReader,
    page: Annotated[int, Query(ge=1, le=PAGE_MAX, description="From 1")] = 1,
    size: Annotated[
        int, Query(ge=1, le=PAGE_SIZE_MAX, description=f"At most {PAGE_SIZE_MAX}")
    ] = PAGE_SIZE_DEFAULT,
    sort_descending: Annotated[
        bool, Query(alias="sortDescending", description="Newest first")
    ] = False,
) -> ImpiloOrderPage:
    """The orders the key may see, a page at a time, by creation time."""
    offset = (page - 1) * size
    found = await queries.list_orders_numbered(
        session,
        principal,
        OrderFilter(),
        offset=offset,
        limit=size,
        descending=sort_descending,
        within=mapping.DESCRIBED,
    )
    return ImpiloOrderPage(
        content=await _rendered(session, found.items, principal),
        first=page == 1,
        last=offset + len(found.items) >= found.total,
        page=page,
        size=size,
        total=found.total,
    )


@router.get("/order/{id}")
async def get_order(id: int, session: SessionDep, principal: ImpiloReader) -> ImpiloOrder:
    """One order, by its id."""
    order = await service.load_order(session, id, principal, within=mapping.DESCRIBED)
    (rendered,) = await _rendered(session, [order], principal)
    return rendered


@router.post("/webhook", responses=webhooks.CREATED_DOCS)
async def create_webhook(
    body: webhooks.ImpiloWebhookCreate,
    request: Request,
    session: SessionDep,
    principal: ImpiloWebhookWriter,
    response: Response,
) -> webhooks.ImpiloWebhook:
    """Send the key's orders' status updates (``order.status``) or whole orders
    (``order.statusFull``) to ``url``. The body is Impilo's; the signing secret, shown
    only here, comes in the ``Webhook-Secret`` header."""
    subscription, secret = await subscriptions.create_subscription(
        session,
        url=body.url,
        event_types=webhooks.TRIGGERS,
        payload_format=webhooks.FORMATS[body.type],
        principal=principal,
        allow_private=request.app.state.settings.webhook_allow_private,
    )
    response.headers[webhooks.SECRET_HEADER] = secret
    return webhooks.ImpiloWebhook(type=body.type, url=subscription.url, id=subscription.id)
