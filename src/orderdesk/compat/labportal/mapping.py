"""labPortal2 Commerce messages from the core read model (seed 001).

Only translation lives here: an ``OrderRead`` (what every surface renders
from) becomes an ``OrderResponse``, and a stored order schema an
``OrderSchemaResponse``. The JSON form is built here; ``xml.py`` writes the
DataContract XML form of the same message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from orderdesk.orders.schemas import OrderLineRead, OrderRead, StatusRead
from orderdesk.orderschemas.models import OrderSchema
from orderdesk.schemas import or_empty
from orderdesk.workflow.vocabularies import Vocabulary, code


class LabStatus(NamedTuple):
    """A labPortal ``RequestState``: its numeric value (JSON) and member name (XML)."""

    code: int
    name: str


def lab_status(status: StatusRead) -> LabStatus:
    """The ``RequestState`` an order's status reads as: the core's labPortal term for
    it (``workflow.vocabularies``) and that member's value."""
    name = status.terms[Vocabulary.LAB_PORTAL.value]
    number = code(Vocabulary.LAB_PORTAL, name)
    if number is None:  # every labPortal term is a RequestState member, with its value
        raise RuntimeError(f"labPortal term {name!r} has no RequestState value")
    return LabStatus(number, name)


def lab_time(moment: dt.datetime) -> str:
    """``2024-04-18T03:24:22.2462013+00:00``: UTC, seven fractional digits (.NET ticks)."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond:06d}0+00:00"


def line_response(line: OrderLineRead) -> dict[str, Any]:
    return {
        "Id": line.id,
        "SuiteCodes": list(line.suite_codes),
        "DetCodes": list(line.determination_codes),
        "Data": line.data,
    }


def order_response(order: OrderRead) -> dict[str, Any]:
    """The JSON ``OrderResponse``, members in the sample's order.

    ``SchemaName`` is the order schema the data was validated against,
    ``Email`` the ordering customer account's email (each ``""`` when there is
    none: the document types them string and always shows them), ``Filter`` the
    order's tags and ``Items`` its lines.
    """
    return {
        "Id": order.id,
        "SchemaName": or_empty(order.schema_name),
        "Status": lab_status(order.status).code,
        "Created": lab_time(order.created_at),
        "Modified": lab_time(order.updated_at),
        "Email": or_empty(order.customer.email),
        "Filter": list(order.tags),
        "Data": order.data,
        "Items": [line_response(line) for line in order.lines],
    }


def order_schema_response(schema: OrderSchema) -> dict[str, Any]:
    """The seed shows no sample: ``{"Name", "Schema"}``, the JSON Schema as an object."""
    return {"Name": schema.name, "Schema": schema.schema}
