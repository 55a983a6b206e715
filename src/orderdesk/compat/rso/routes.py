"""Record Stack Overflow API v1 orders (seed 004), under /compat/rso/api/v1.

A thin adapter: vendor request -> core schemas -> core services -> vendor
answer. Every route answers with and without its trailing slash; every error
is ``{"error_message": ..., "response_code": N}`` with N the HTTP status.

Orders: only those made from a record (a supplier's product, ``mapping.DESCRIBED``);
the core filters them (``orders.sets``), so lists, ``X-Total-Count``, updates and
cancels never see another order. Each order object shows every documented field:
``shipping_info`` / ``billing_info`` are one-element arrays with every key (``""`` where
unknown), from the order's addresses or else the customer account's registered ones
(the core's ``effective_*_address``); ``status`` is the core's Record Stack Overflow
term for the order's state (``workflow.vocabularies``).

Decisions where the document is silent (details in ``mapping``):

- Auth is ``Authorization: Bearer <orderdesk API key>``: customer keys are the
  vendor's customers, supplier keys its merchants (admin keys act as the
  core lets them, but cannot create here: the path names no customer). A
  missing or bad key, and a caller not allowed the operation (a merchant
  creating or cancelling, a customer updating, a move the workflow gives to
  the other party), answer 401 "Insufficient privileges": the vendor's one
  privilege error, so no 403 on this surface.
- Invalid requests are 400 (the core's 422 included), naming each field by
  the vendor's name: "Missing required fields: shipping_city, paypal_email"
  and/or "Invalid request: shipping_zip: ...". Unknown fields are errors;
  ``_createdBy`` / ``created_date`` (system-generated) are ignored on create.
- An id that names nothing the caller may see is a 404: "Order not found.
  Check order id."; "Record not found. Check record id." for a record or
  merchant that does not exist or do not belong together (the core's 404 for a
  product outside the merchant's catalog). The lists answer
  only the caller's own account ("Customer not found. Check customer id." /
  "Merchant not found. Check merchant id." otherwise, as if missing); admins
  may list any account of the right kind.
- Create answers 201 with the order and its ``ETag``. ``merchant_info`` may be
  sent: its ``merchant_id`` must be the path's, the rest is the merchant's
  registered account, which is what the order shows.
- Lists: oldest first by default; ``limit`` is any positive integer (up to
  2**63 - 1, what a 64-bit integer holds) and defaults to all, as the document
  says; ``offset`` skips that many first. ``X-Total-Count`` says how many match
  in all. However many that is, the answer is built in bounded working memory:
  the orders are read from the core ``PAGE_SIZE`` at a time and each page is
  rendered to JSON bytes before the next is read (the body itself is the one
  thing that grows with the answer; it is not streamed, because the edge
  commits and closes the request's session before the body would be sent). A
  body sent with GET (as the samples do) is ignored.
- ``PUT /orders/{orderId}/``: a group sent replaces the stored one (as the
  sample shows; address fields this API cannot show, like country, stay);
  ``comments`` replace the list; ``status`` "Completed" / "Cancelled" moves the
  order through its workflow after the field changes, all or nothing (its
  current status is no move); ``If-Match: "<version>"`` guards lost updates.
- ``DELETE`` cancels through the workflow (the order and its timeline stay);
  a closed order is a 409 saying why.
- Unknown paths under the prefix are 404 and known paths with another method
  405 (with ``Allow``), in the vendor's shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Body, Header, Query, Request, Response, Security
from fastapi.responses import JSONResponse

from orderdesk.catalog.service import load_product
from orderdesk.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    OrderdeskError,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from orderdesk.http.allow import allowed_methods, fallback
from orderdesk.http.auth import BEARER, principal_from
from orderdesk.http.conditional import etag, parse_if_match
from orderdesk.http.openapi import ErrorDocs, sends
from orderdesk.http.ratelimit import Policy
from orderdesk.http.routing import Surface, surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders import queries, service
from orderdesk.orders.queries import OrderFilter
from orderdesk.orders.read_model import read_order, read_orders
from orderdesk.orders.schemas import CancelRequest, OrderRead
from orderdesk.tenancy.accounts import own_account
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import Scope

from . import mapping
from .mapping import (
    CUSTOMER_NOT_FOUND,
    INSUFFICIENT_PRIVILEGES,
    MERCHANT_NOT_FOUND,
    ORDER_NOT_FOUND,
    RECORD_NOT_FOUND,
    TOO_MANY_REQUESTS,
)
from .schemas import ErrorMessage, RsoOrder, SuccessMessage


def render(error: OrderdeskError, request: Request) -> Response:
    """The vendor's error shape; its status is the HTTP status."""
    headers: dict[str, str] = {}
    if isinstance(error, Unauthorized | Forbidden):
        status, message = 401, INSUFFICIENT_PRIVILEGES
        headers["WWW-Authenticate"] = 'Bearer realm="orderdesk"'
    elif isinstance(error, BadRequest | ValidationFailed):
        status, message = 400, mapping.error_message(error)
    elif isinstance(error, TooManyRequests):
        status, message = 429, TOO_MANY_REQUESTS
    else:
        status, message = error.status, mapping.error_message(error)
    return JSONResponse(
        {"error_message": message, "response_code": status}, status_code=status, headers=headers
    )


ERROR_DOCS = ErrorDocs(
    model=ErrorMessage,
    media_types=("application/json",),
    folds={403: 401, 422: 400},  # as ``render`` answers them
    descriptions={
        400: "Invalid request; names each offending field by the vendor's name",
        401: "Insufficient privileges: no valid key, or not this kind of account's operation",
        404: "Not found (or not the caller's): the message names which id",
        409: "The order's status does not allow it; says why",
        429: "Too many request, please try again later (past 100 calls per 15 minutes per "
        "token); `Retry-After` says when to",
    },
)

router = surface_router(
    Surface(name="rso", render_error=render, error_docs=ERROR_DOCS),
    tags=["compat: Record Stack Overflow"],
)


def _route(path: str, *methods: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """Register ``path/`` (documented) and ``path`` for each method."""

    def register(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        for method in methods:
            for variant, documented in ((path + "/", True), (path, False)):
                router.add_api_route(
                    variant,
                    endpoint,
                    methods=[method],
                    include_in_schema=documented,
                    name=f"rso_{endpoint.__name__}_{method.lower()}",
                    **kwargs,
                )
        return endpoint

    return register


#: The document's limit: 100 calls per 15 minutes per token (``ORDERDESK_RSO_RATE_LIMIT``),
#: counted apart from the native API's.
RATE = Policy(setting="rso_rate_limit", namespace="rso")
_rso_principal = principal_from(BEARER, rate=RATE)
#: The caller, holding the scope a route declares.
OrderReader = Annotated[Principal, Security(_rso_principal, scopes=[Scope.ORDERS_READ])]
OrderWriter = Annotated[Principal, Security(_rso_principal, scopes=[Scope.ORDERS_WRITE])]
RawBody = Annotated[
    Any,
    Body(
        description=(
            "Form-urlencoded or JSON; flat (`shipping_city=Raleigh`), bracketed "
            "(`shipping_info[0][shipping_city]=Raleigh`) or nested in one-element arrays; "
            "`comments` a string or a list"
        ),
        examples=[
            {
                "shipping_info": [
                    {
                        "shipping_address1": "123 Shipping Lane",
                        "shipping_city": "Raleigh",
                        "shipping_state": "NC",
                        "shipping_zip": "27615",
                    }
                ],
                "billing_info": [
                    {
                        "paypal_email": "paypal@example.com",
                        "billing_address1": "123 Billing Drive",
                        "billing_city": "Raleigh",
                        "billing_state": "NC",
                        "billing_zip": "27615",
                    }
                ],
                "comments": ["This is a comment"],
            }
        ],
    ),
]


@contextmanager
def _not_found_as(message: str) -> Iterator[None]:
    """Answer the core's 404 with the vendor's message for this path parameter."""
    try:
        yield
    except NotFound as exc:
        raise NotFound(message) from exc


def _order_response(order: OrderRead, status_code: int = 200) -> JSONResponse:
    return JSONResponse(
        mapping.order_json(order), status_code=status_code, headers={"ETag": etag(order.version)}
    )


# --- create -------------------------------------------------------------------


@_route(
    "/orders/merchants/{merchantId}/records/{recordId}",
    "PUT",
    "POST",
    status_code=201,
    response_model=RsoOrder,
    responses=sends(201, "ETag"),
    summary="Create an order from a merchant's record (customers only)",
)
async def create_order(
    merchantId: str,
    recordId: str,
    session: SessionDep,
    principal: OrderWriter,
    body: RawBody = None,
) -> JSONResponse:
    merchant_id = mapping.parse_id(merchantId, RECORD_NOT_FOUND)
    record_id = mapping.parse_id(recordId, RECORD_NOT_FOUND)
    data = mapping.order_create(
        mapping.parse_body(body, create=True), record_id=record_id, merchant_id=merchant_id
    )
    with _not_found_as(RECORD_NOT_FOUND):  # no such record in this merchant's catalog
        await load_product(session, record_id, principal=principal, supplier_account_id=merchant_id)
    created = await service.create_order(
        session, data, principal=principal, within=mapping.DESCRIBED
    )
    return _order_response(await read_order(session, created, principal), 201)


# --- lists --------------------------------------------------------------------


async def _own_account(
    session: SessionDep, principal: Principal, account_id: int, kind: AccountKind, message: str
) -> None:
    """The path's account must be one the caller acts as (the core decides), else ``message``."""
    try:
        await own_account(session, account_id, kind, principal=principal)
    except NotFound:
        raise NotFound(message) from None


#: Orders read from the core (and rendered) at a time while answering a list.
PAGE_SIZE = 500
#: The largest ``limit`` (and what a 64-bit integer holds): in effect, no maximum.
LIMIT_MAX = 2**63 - 1


def _json(value: Any) -> bytes:
    """As ``JSONResponse`` renders it."""
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


async def _list(
    session: SessionDep,
    principal: Principal,
    f: OrderFilter,
    *,
    limit: int | None,
    sort: str | None,
    offset: int,
) -> Response:
    """The JSON array of the orders, a page of the core's at a time (see the module)."""
    descending = mapping.descending(sort)
    total = await queries.count_orders(session, principal, f, mapping.DESCRIBED)
    rendered: list[bytes] = []
    async for page in queries.orders_in_pages(
        session,
        principal,
        f,
        offset=offset,
        limit=limit,
        descending=descending,
        page_size=PAGE_SIZE,
        within=mapping.DESCRIBED,
    ):
        views = await read_orders(session, page, principal)
        rendered.append(b",".join(_json(mapping.order_json(o)) for o in views))
    return Response(
        b"[" + b",".join(rendered) + b"]",
        media_type="application/json",
        headers={"X-Total-Count": str(total)},
    )


Limit = Annotated[
    int | None,
    Query(
        ge=1,
        le=LIMIT_MAX,
        description="How many orders; default all (any positive integer a 64-bit integer holds)",
    ),
]
Sort = Annotated[
    str | None,
    Query(
        max_length=10,
        description="By creation time: asc or 1 (default), desc or -1",
        json_schema_extra={"enum": sorted(mapping.SORTS)},  # ``mapping.descending`` checks it
    ),
]
Offset = Annotated[int, Query(ge=0, le=2**62, description="The index to start with (default 0)")]


@_route(
    "/orders/customers/{customerId}",
    "GET",
    response_model=list[RsoOrder],
    responses=sends(200, "X-Total-Count"),
    summary="The orders of a customer (the caller's own)",
)
async def customer_orders(
    customerId: str,
    session: SessionDep,
    principal: OrderReader,
    limit: Limit = None,
    sort: Sort = None,
    offset: Offset = 0,
) -> Response:
    customer_id = mapping.parse_id(customerId, CUSTOMER_NOT_FOUND)
    await _own_account(session, principal, customer_id, AccountKind.CUSTOMER, CUSTOMER_NOT_FOUND)
    return await _list(
        session,
        principal,
        OrderFilter(customer_account_id=customer_id),
        limit=limit,
        sort=sort,
        offset=offset,
    )


@_route(
    "/orders/merchants/{merchantId}",
    "GET",
    response_model=list[RsoOrder],
    responses=sends(200, "X-Total-Count"),
    summary="The orders placed with a merchant (the caller's own)",
)
async def merchant_orders(
    merchantId: str,
    session: SessionDep,
    principal: OrderReader,
    limit: Limit = None,
    sort: Sort = None,
    offset: Offset = 0,
) -> Response:
    merchant_id = mapping.parse_id(merchantId, MERCHANT_NOT_FOUND)
    await _own_account(session, principal, merchant_id, AccountKind.SUPPLIER, MERCHANT_NOT_FOUND)
    return await _list(
        session,
        principal,
        OrderFilter(supplier_account_id=merchant_id),
        limit=limit,
        sort=sort,
        offset=offset,
    )


# --- update -------------------------------------------------------------------


@_route(
    "/orders/{orderId}",
    "PUT",
    response_model=RsoOrder,
    responses=sends(200, "ETag"),
    summary="Update an order (the order's merchant only); `status` moves it",
)
async def update_order(
    orderId: str,
    session: SessionDep,
    principal: OrderWriter,
    body: RawBody = None,
    if_match: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    order_id = mapping.parse_id(orderId, ORDER_NOT_FOUND)
    changes = mapping.parse_body(body, create=False)
    expected = parse_if_match(if_match)
    with _not_found_as(ORDER_NOT_FOUND):
        # The core's refusals (who may, which order, version, closed) answer before the
        # body's bounds.
        await service.editable_order(
            session,
            order_id,
            principal=principal,
            expected_version=expected,
            parties=(Role.SUPPLIER, Role.ADMIN),
            within=mapping.DESCRIBED,
        )
        # Then the edit, and the close the status asks for: one transaction, all or nothing.
        order = await service.update_order(
            session,
            order_id,
            mapping.order_update(changes),
            principal=principal,
            parties=(Role.SUPPLIER, Role.ADMIN),
            within=mapping.DESCRIBED,
        )
        outcome = mapping.asked_outcome(changes.status)
        if outcome is not None:
            order = await service.close_order(
                session, order_id, outcome, principal=principal, within=mapping.DESCRIBED
            )
    return _order_response(await read_order(session, order, principal))


# --- cancel -------------------------------------------------------------------


@_route(
    "/orders/{orderId}/customers/{customerId}",
    "DELETE",
    response_model=SuccessMessage,
    summary="Cancel an order (the order's customer only, while In progress)",
)
async def cancel_order(
    orderId: str,
    customerId: str,
    session: SessionDep,
    principal: OrderWriter,
) -> JSONResponse:
    order_id = mapping.parse_id(orderId, ORDER_NOT_FOUND)
    customer_id = mapping.parse_id(customerId, ORDER_NOT_FOUND)
    with _not_found_as(ORDER_NOT_FOUND):
        # The core checks who may, and that it is the path's customer's order of this
        # API's orders, before it writes anything.
        await service.cancel_order(
            session,
            order_id,
            CancelRequest(),
            principal=principal,
            parties=(Role.CUSTOMER, Role.ADMIN),
            within=mapping.DESCRIBED,
            customer_account_id=customer_id,
        )
    return JSONResponse({"success_message": "Order cancelled", "response_code": 200})


# --- anything else under the prefix -------------------------------------------


@router.api_route(
    "/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    include_in_schema=False,
)
@fallback
async def unknown_route(path: str, request: Request) -> JSONResponse:
    """The vendor's shape for a path it has no route for (404) or a method it has not (405)."""
    allowed = allowed_methods(request.scope)
    if allowed:
        return JSONResponse(
            {"error_message": "Method not allowed", "response_code": 405},
            status_code=405,
            headers={"Allow": ", ".join(allowed)},
        )
    return JSONResponse({"error_message": "Not found", "response_code": 404}, status_code=404)
