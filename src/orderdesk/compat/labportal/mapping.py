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
from orderdesk.workflow.defaults import LAB_REQUEST
from orderdesk.workflow.graph import Outcome, StateType


class LabStatus(NamedTuple):
    """A labPortal ``RequestState``: its numeric value (JSON) and member name (XML)."""

    code: int
    name: str


#: The lab-request state each kind of state of another vocabulary reads as.
#: Only the names are chosen here; the numbers come from the lab-request
#: workflow itself, and the kinds are checked against it at import.
_READS_AS: dict[tuple[StateType, Outcome | None], str] = {
    (StateType.NEW, None): "New",
    (StateType.INPROGRESS, None): "InProgress",
    (StateType.CLOSED, Outcome.COMPLETED): "Completed",
    (StateType.CLOSED, Outcome.CANCELLED): "Cancelled",
}


def _cross_vocabulary() -> dict[tuple[str, str | None], LabStatus]:
    table: dict[tuple[str, str | None], LabStatus] = {}
    for (kind, outcome), state_id in _READS_AS.items():
        state = LAB_REQUEST.state(state_id)
        if state.type is not kind or state.outcome is not outcome or state.code is None:
            raise RuntimeError(f"lab-request state {state_id!r} no longer fits {kind}/{outcome}")
        table[(kind.value, outcome.value if outcome else None)] = LabStatus(state.code, state.id)
    return table


#: (state type, outcome) -> RequestState, for orders on any other workflow.
CROSS_VOCABULARY: dict[tuple[str, str | None], LabStatus] = _cross_vocabulary()


def lab_status(status: StatusRead, workflow_key: str) -> LabStatus:
    """The ``RequestState`` an order's status reads as.

    An order on the lab-request workflow answers its own state: the state's
    ``code`` and its id (the RequestState member name). Any other order (or a
    lab-request state without a code, which a tenant's later version could
    add) reads as the lab-request state of the same kind: NEW -> New,
    INPROGRESS -> InProgress, CLOSED completed -> Completed, CLOSED
    cancelled -> Cancelled.
    """
    if workflow_key == LAB_REQUEST.key and status.code is not None:
        return LabStatus(status.code, status.id)
    return CROSS_VOCABULARY[(status.type, status.outcome)]


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

    ``SchemaName`` is the order schema the data was validated against (null
    when none), ``Email`` the ordering customer account's email, ``Filter``
    the order's tags and ``Items`` its lines.
    """
    return {
        "Id": order.id,
        "SchemaName": order.schema_name,
        "Status": lab_status(order.status, order.workflow.key).code,
        "Created": lab_time(order.created_at),
        "Modified": lab_time(order.updated_at),
        "Email": order.customer.email,
        "Filter": list(order.tags),
        "Data": order.data,
        "Items": [line_response(line) for line in order.lines],
    }


def order_schema_response(schema: OrderSchema) -> dict[str, Any]:
    """The seed shows no sample: ``{"Name", "Schema"}``, the JSON Schema as an object."""
    return {"Name": schema.name, "Schema": schema.schema}
