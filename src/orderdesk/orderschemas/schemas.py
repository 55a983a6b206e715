from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from orderdesk.schemas import Code, Id, Input, Output


class OrderSchemaCreate(Input):
    name: Code
    schema_: dict[str, Any] = Field(alias="schema", description="A JSON Schema, draft 2020-12")
    account_id: Id | None = Field(
        default=None, description="The supplier it belongs to; none (admins only) for tenant-wide"
    )


class OrderSchemaUpdate(Input):
    schema_: dict[str, Any] = Field(alias="schema")


class OrderSchemaRead(Output):
    id: int
    name: str
    account_id: int | None
    schema_: dict[str, Any] = Field(serialization_alias="schema", validation_alias="schema")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
