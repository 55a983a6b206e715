"""Order workflows: graphs of states and moves, checked without a database."""

from orderdesk.workflow.defaults import (
    DEFAULT_WORKFLOWS,
    DENTAL_LAB,
    DENTAL_LAB_DEFINITION,
    IMPILO_DEVICE,
    IMPILO_DEVICE_DEFINITION,
    LAB_REQUEST,
    LAB_REQUEST_DEFINITION,
    RSO_RECORD,
    RSO_RECORD_DEFINITION,
    TENANT_DEFAULT_KEY,
    default_workflow,
)
from orderdesk.workflow.graph import (
    MAX_STATES,
    MAX_TEXT,
    MAX_TRANSITIONS,
    ROLES,
    Outcome,
    State,
    StateType,
    Transition,
    Workflow,
)
from orderdesk.workflow.parse import parse_workflow

__all__ = [
    "DEFAULT_WORKFLOWS",
    "DENTAL_LAB",
    "DENTAL_LAB_DEFINITION",
    "IMPILO_DEVICE",
    "IMPILO_DEVICE_DEFINITION",
    "LAB_REQUEST",
    "LAB_REQUEST_DEFINITION",
    "MAX_STATES",
    "MAX_TEXT",
    "MAX_TRANSITIONS",
    "ROLES",
    "RSO_RECORD",
    "RSO_RECORD_DEFINITION",
    "TENANT_DEFAULT_KEY",
    "Outcome",
    "State",
    "StateType",
    "Transition",
    "Workflow",
    "default_workflow",
    "parse_workflow",
]
