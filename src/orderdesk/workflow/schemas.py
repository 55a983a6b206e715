from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from orderdesk.schemas import Id, Input, Output


class WorkflowCreate(Input):
    definition: dict[str, Any] = Field(
        description="The workflow document: key, name, states, transitions (see the README)"
    )
    account_id: Id | None = Field(
        default=None, description="The supplier it belongs to; none (admins only) for tenant-wide"
    )
    is_default: bool = False


class WorkflowUpdate(Input):
    definition: dict[str, Any] | None = Field(default=None, description="Saved as a new version")
    is_default: bool | None = None


class WorkflowRead(Output):
    id: int
    key: str
    name: str
    account_id: int | None
    is_default: bool
    current_version: int
    definition: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class WorkflowVersionRead(Output):
    workflow_id: int
    number: int
    definition: dict[str, Any]
    created_at: dt.datetime
    created_by: str
