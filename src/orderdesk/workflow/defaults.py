"""The workflows every tenant starts with, one per seed system's status vocabulary.

Each is kept as its definition document (what a supplier would upload, and
what is stored as version 1) and as the parsed workflow; parsing them at
import time means a broken default fails the first test run, not a request.
"""

from __future__ import annotations

from typing import Any

from orderdesk.workflow.graph import Workflow
from orderdesk.workflow.parse import parse_workflow

_ALL = ["admin", "customer", "supplier"]
_STAFF = ["admin", "supplier"]
_BUYER = ["admin", "customer"]


def _move(
    source: str, target: str, roles: list[str], *, reason_required: bool = False
) -> dict[str, Any]:
    return {"from": source, "to": target, "roles": roles, "reason_required": reason_required}


# RAYTeams (seed 000): product workflows whose status ids are generated node
# ids; "node_1669006551533" Confirmed and "node_1669006551572" Wait Response
# are the ones the seed shows.
_REQUESTED = "node_1669006551501"
_CONFIRMED = "node_1669006551533"
_WAIT_RESPONSE = "node_1669006551572"
_IN_PRODUCTION = "node_1669006551608"
_SHIPPED = "node_1669006551644"
_DENTAL_COMPLETED = "node_1669006551679"
_DENTAL_CANCELLED = "node_1669006551715"

DENTAL_LAB_DEFINITION: dict[str, Any] = {
    "key": "dental-lab",
    "name": "Dental lab order",
    "states": [
        {"id": _REQUESTED, "name": "Requested", "type": "NEW", "initial": True},
        {"id": _CONFIRMED, "name": "Confirmed", "type": "INPROGRESS"},
        {"id": _WAIT_RESPONSE, "name": "Wait Response", "type": "INPROGRESS"},
        {"id": _IN_PRODUCTION, "name": "In production", "type": "INPROGRESS"},
        {"id": _SHIPPED, "name": "Shipped", "type": "INPROGRESS", "terms": {"impilo": "shipped"}},
        {"id": _DENTAL_COMPLETED, "name": "Completed", "type": "CLOSED", "outcome": "completed"},
        {"id": _DENTAL_CANCELLED, "name": "Cancelled", "type": "CLOSED", "outcome": "cancelled"},
    ],
    "transitions": [
        _move(_REQUESTED, _CONFIRMED, _STAFF),
        _move(_REQUESTED, _WAIT_RESPONSE, _STAFF),
        _move(_REQUESTED, _DENTAL_CANCELLED, _ALL),
        _move(_CONFIRMED, _WAIT_RESPONSE, _STAFF),
        _move(_CONFIRMED, _IN_PRODUCTION, _STAFF),
        _move(_CONFIRMED, _DENTAL_CANCELLED, _ALL),
        # The lab waits for the clinic: the clinic's answer moves the case on.
        _move(_WAIT_RESPONSE, _CONFIRMED, _ALL),
        _move(_WAIT_RESPONSE, _DENTAL_CANCELLED, _ALL),
        _move(_IN_PRODUCTION, _SHIPPED, _STAFF),
        # Once work has started only an admin can stop it (material is spent).
        _move(_IN_PRODUCTION, _DENTAL_CANCELLED, ["admin"]),
        _move(_SHIPPED, _DENTAL_COMPLETED, _ALL),
    ],
}

# labPortal (seed 001): ids are RequestState member names and `code` its
# numeric value; JSON shows the code (0), XML the name (New), so the display
# name is kept equal to the id.
LAB_REQUEST_DEFINITION: dict[str, Any] = {
    "key": "lab-request",
    "name": "Laboratory request",
    "states": [
        {"id": "New", "name": "New", "type": "NEW", "initial": True, "code": 0},
        {"id": "Received", "name": "Received", "type": "INPROGRESS", "code": 1},
        {"id": "InProgress", "name": "InProgress", "type": "INPROGRESS", "code": 2},
        {
            "id": "Completed",
            "name": "Completed",
            "type": "CLOSED",
            "outcome": "completed",
            "code": 3,
        },
        {
            "id": "Cancelled",
            "name": "Cancelled",
            "type": "CLOSED",
            "outcome": "cancelled",
            "code": 4,
        },
        {"id": "Rejected", "name": "Rejected", "type": "CLOSED", "outcome": "cancelled", "code": 5},
    ],
    "transitions": [
        _move("New", "Received", _STAFF),
        _move("New", "Cancelled", _BUYER),
        # A lab turning a request down owes the requester the reason
        # (sample unsuitable, test not offered, ...).
        _move("New", "Rejected", _STAFF, reason_required=True),
        _move("Received", "InProgress", _STAFF),
        _move("Received", "Cancelled", _BUYER),
        _move("Received", "Rejected", _STAFF, reason_required=True),
        _move("InProgress", "Completed", _STAFF),
        _move("InProgress", "Rejected", _STAFF, reason_required=True),
    ],
}

# Impilo (seeds 002/003): ids are `currentStatus` values.
IMPILO_DEVICE_DEFINITION: dict[str, Any] = {
    "key": "impilo-device",
    "name": "Device fulfilment order",
    "states": [
        {"id": "new", "name": "New", "type": "NEW", "initial": True},
        {"id": "reconfirmAddress", "name": "Reconfirm address", "type": "INPROGRESS"},
        {"id": "processing", "name": "Processing", "type": "INPROGRESS"},
        {"id": "shipped", "name": "Shipped", "type": "INPROGRESS"},
        {"id": "delivered", "name": "Delivered", "type": "CLOSED", "outcome": "completed"},
        {"id": "cancelled", "name": "Cancelled", "type": "CLOSED", "outcome": "cancelled"},
    ],
    "transitions": [
        _move("new", "reconfirmAddress", _STAFF),
        _move("new", "processing", _STAFF),
        _move("new", "cancelled", _BUYER),
        # The programme confirming the patient's address releases the order.
        _move("reconfirmAddress", "processing", _ALL),
        _move("reconfirmAddress", "cancelled", _BUYER),
        _move("processing", "shipped", _STAFF),
        _move("processing", "cancelled", _BUYER),
        _move("shipped", "delivered", _STAFF),
    ],
}

# Record Stack Overflow (seed 004): the status strings themselves are the ids.
RSO_RECORD_DEFINITION: dict[str, Any] = {
    "key": "rso-record",
    "name": "Record order",
    "states": [
        {"id": "In progress", "name": "In progress", "type": "NEW", "initial": True},
        {"id": "Completed", "name": "Completed", "type": "CLOSED", "outcome": "completed"},
        {"id": "Cancelled", "name": "Cancelled", "type": "CLOSED", "outcome": "cancelled"},
    ],
    "transitions": [
        _move("In progress", "Completed", _STAFF),
        _move("In progress", "Cancelled", _BUYER),
    ],
}

DENTAL_LAB: Workflow = parse_workflow(DENTAL_LAB_DEFINITION)
LAB_REQUEST: Workflow = parse_workflow(LAB_REQUEST_DEFINITION)
IMPILO_DEVICE: Workflow = parse_workflow(IMPILO_DEVICE_DEFINITION)
RSO_RECORD: Workflow = parse_workflow(RSO_RECORD_DEFINITION)

DEFAULT_WORKFLOWS: tuple[Workflow, ...] = (DENTAL_LAB, LAB_REQUEST, IMPILO_DEVICE, RSO_RECORD)

# Used by the native API when neither the product nor the caller names one.
TENANT_DEFAULT_KEY = IMPILO_DEVICE.key


def default_workflow(key: str) -> Workflow:
    """The default workflow with this key; KeyError if there is none."""
    for workflow in DEFAULT_WORKFLOWS:
        if workflow.key == key:
            return workflow
    raise KeyError(key)
