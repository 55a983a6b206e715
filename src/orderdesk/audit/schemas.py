"""How an audit record reads on the native API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from orderdesk.audit.models import EntityKind
from orderdesk.schemas import Output


class AuditEntityRead(Output):
    kind: EntityKind
    entity_id: int


class AuditEventRead(Output):
    """One request that disclosed PHI, or was refused on a patient, order or device route."""

    id: int
    recorded_at: dt.datetime
    action: Literal["C", "R", "U", "D", "E"] = Field(
        description="FHIR AuditEvent.action: Create, Read, Update, Delete or Execute"
    )
    method: str
    surface: str = Field(description="native, impilo, rayteams, rso or labportal")
    route: str = Field(description="The route's path template")
    path: str = Field(description="The path asked for (without its query)")
    status: int = Field(description="The answer's HTTP status")
    phi_disclosed: bool = Field(description="Whether the answer carried PHI")
    credential_id: int | None = Field(description="null: refused before a key was known")
    role: str | None
    account_id: int | None
    client: str | None = Field(description="The calling client's id, where a surface has one")
    client_address: str | None
    request_id: str = Field(description="The id the request's log lines and errors carry")
    entities: list[AuditEntityRead] = Field(
        description="The patients, orders and devices disclosed (refused: asked for)"
    )
