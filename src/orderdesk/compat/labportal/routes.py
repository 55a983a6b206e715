"""labPortal2 Web API v1, Commerce (seed 001), under /compat/labportal/api-v1.

Routes: ``GET commerce/orders/{id}`` and ``GET commerce/orderschema``. Each
answers JSON (``application/json``, ``text/json``; the default, as ASP.NET
Web API falls back to its first formatter) or DataContract XML
(``application/xml``, ``text/xml``) by the ``Accept`` header, in the media
type the client asked for.

Orders: every order (an ``OrderResponse`` fits any); ``Status`` is the core's labPortal
term for the order's state (``workflow.vocabularies``) and its RequestState value.

Where the seed is silent:

- authentication: the native forms, ``Authorization: Bearer <key>`` or
  ``X-API-Key``, resolved exactly as the native API resolves them;
- errors: RFC 9457 problem documents with the true status (as XML, like the
  native API's, when the client asked for XML); another account's or
  tenant's order, and an id that is not an integer, are the same 404 as a
  missing order (an id holding a control character is refused like any such
  text, a 422);
- ``commerce/orderschema`` (no sample): a JSON array of ``{"Name", "Schema"}``
  (the JSON Schema as an object), in name order; as XML an
  ``ArrayOfOrderSchemaResponse`` of ``OrderSchemaResponse`` elements whose
  ``Schema`` is a ``Dictionary<string, object>``, in the same DataContract
  style as ``OrderResponse.Data``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Path, Request, Response, Security
from fastapi.responses import JSONResponse

from orderdesk.compat.labportal.mapping import order_response, order_schema_response
from orderdesk.compat.labportal.xml import order_document, order_schemas_document
from orderdesk.errors import OrderdeskError, Unauthorized, not_found
from orderdesk.http import content
from orderdesk.http.auth import BEARER, X_API_KEY, principal_from
from orderdesk.http.openapi import ErrorDocs
from orderdesk.http.problems import PROBLEM, Problem, problem_body, problem_response
from orderdesk.http.routing import Surface, surface_router
from orderdesk.http.unit_of_work import SessionDep
from orderdesk.orders.read_model import read_order
from orderdesk.orders.service import load_order
from orderdesk.orderschemas.service import list_order_schemas
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scopes import Scope

JSON_TYPES = ("application/json", "text/json")
XML_TYPES = ("application/xml", "text/xml")
#: What the API speaks, in the order a tie is broken (JSON first, as Web API).
MEDIA_TYPES = JSON_TYPES + XML_TYPES

_ID = re.compile(r"[0-9]{1,20}")


def negotiate(accept: str | None) -> str:
    """The media type to answer in: the best-rated of ``MEDIA_TYPES``, else JSON.

    An Accept header naming nothing we speak still gets JSON, as from ASP.NET Web API.
    """
    return content.negotiate(accept, MEDIA_TYPES) or JSON_TYPES[0]


def _answer(request: Request, json_body: Any, xml_body: bytes) -> Response:
    media = negotiate(request.headers.get("accept"))
    headers = {"Vary": "Accept"}
    if media in XML_TYPES:
        return Response(xml_body, media_type=f"{media}; charset=utf-8", headers=headers)
    return JSONResponse(json_body, media_type=f"{media}; charset=utf-8", headers=headers)


def _problem(error: OrderdeskError, request: Request) -> Response:
    """The app's RFC 9457 problem document, as XML when the client asked for XML."""
    if negotiate(request.headers.get("accept")) in XML_TYPES:
        headers = {"Vary": "Accept"}
        if isinstance(error, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="orderdesk"'
        return Response(
            content.to_xml(problem_body(error, request.url.path), "problem"),
            status_code=error.status,
            media_type="application/problem+xml",
            headers=headers,
        )
    response = problem_response(error, request.url.path)
    response.headers["Vary"] = "Accept"
    return response


#: Problem documents, as JSON or (when the client asked for XML) XML.
ERROR_DOCS = ErrorDocs(model=Problem, media_types=(PROBLEM, "application/problem+xml"))

router = surface_router(
    Surface(name="labportal", render_error=_problem, error_docs=ERROR_DOCS),
    tags=["labPortal compatibility"],
)

_lab_principal = principal_from(BEARER, X_API_KEY)
#: The caller, holding the scope a route declares.
OrderReader = Annotated[Principal, Security(_lab_principal, scopes=[Scope.ORDERS_READ])]
CatalogReader = Annotated[Principal, Security(_lab_principal, scopes=[Scope.CATALOG_READ])]

_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON by default; DataContract XML for `application/xml` or `text/xml`",
        "content": {media: {} for media in MEDIA_TYPES},
    }
}


@router.get("/commerce/orders/{id}", response_class=Response, responses=_FORMATS)
async def get_order(
    id: Annotated[str, Path(description="The Id of the order to find (an integer)")],
    request: Request,
    session: SessionDep,
    principal: OrderReader,
) -> Response:
    """Get an order by the order id, in the format the Accept header asks for."""
    if not _ID.fullmatch(id):
        raise not_found("order", id)
    order = await read_order(session, await load_order(session, int(id), principal), principal)
    return _answer(request, order_response(order), order_document(order))


@router.get("/commerce/orderschema", response_class=Response, responses=_FORMATS)
async def get_order_schemas(
    request: Request, session: SessionDep, principal: CatalogReader
) -> Response:
    """The tenant's order schemas, by name: each one's ``Name`` and JSON ``Schema``."""
    schemas = await list_order_schemas(session, principal=principal)
    return _answer(
        request, [order_schema_response(s) for s in schemas], order_schemas_document(schemas)
    )
