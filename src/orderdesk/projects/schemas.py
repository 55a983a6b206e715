from __future__ import annotations

import datetime as dt

from orderdesk.schemas import Id, Input, Name, Output


class ProjectCreate(Input):
    name: Name
    account_id: Id | None = None
    patient_id: Id | None = None


class ProjectRead(Output):
    id: int
    account_id: int
    patient_id: int | None
    name: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
