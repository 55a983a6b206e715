"""RAYTeams wire shapes: the status-change body it sends and the objects it answers.

Field names are the vendor's (camelCase, ``_id``); the models exist so that the
request is validated at the edge (errors name ``/data/status``, ...) and the
OpenAPI document shows what a RAYTeams client gets back.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from orderdesk.orders.schemas import Reason
from orderdesk.schemas import Code, Input
from orderdesk.workflow.graph import MAX_TEXT

StatusName = Annotated[str, StringConstraints(max_length=MAX_TEXT)]

# --- request -----------------------------------------------------------------------------


class RayTeamsStatusChange(Input):
    status: Code = Field(description="Status id: a node of the order's workflow")
    status_name: StatusName | None = Field(
        default=None,
        alias="statusName",
        description="Status title; when given it must be the title of that node",
    )
    reason: Reason | None = Field(
        default=None,
        description="Added field: why, for the moves whose workflow asks for a reason",
    )


class RayTeamsStatusUpdate(Input):
    """``PUT /order/{_id}/status``: ``{"data": {"status", "statusName"}}``."""

    data: RayTeamsStatusChange


# --- response ----------------------------------------------------------------------------


class Wire(BaseModel):
    """Built from dicts keyed as the vendor spells them; answered the same way."""

    model_config = ConfigDict(populate_by_name=True)


class RayTeamsNode(Wire):
    status: str = Field(description="Status id")
    status_name: str = Field(alias="statusName", description="Status title")
    status_type: str = Field(alias="statusType", description="NEW, INPROGRESS or CLOSED")


class RayTeamsWorkflow(Wire):
    key: str = Field(description="The workflow's key")
    version: int = Field(description="The workflow version the order (or a new order) follows")
    nodes: list[RayTeamsNode] = Field(description="Every status of that version")


class RayTeamsProductInfo(Wire):
    currency: str = Field(description='Payment unit; "" if none')
    discount: str = Field(description='Discount rate or discount information; "" if none')
    price: int | float | None
    productname: str = Field(description='Product name; "" if none')


class RayTeamsSubject(Wire):
    name: str | None = Field(description="First and last name; null without phi:read")
    birth: str | None = Field(description='YYYY-MM-DD; "" if not known; null without phi:read')


class RayTeamsOrder(Wire):
    id: str = Field(alias="_id", description="The order's id")
    sk: str = Field(description='"order:" and the creation time in epoch milliseconds')
    owner_group_id: str = Field(alias="ownerGroupId", description="The clinic (customer account)")
    lab_id: str = Field(alias="labId", description="The lab (supplier account)")
    status: str = Field(description="Status id")
    status_name: str = Field(alias="statusName")
    status_type: str = Field(alias="statusType", description="NEW, INPROGRESS or CLOSED")
    product: RayTeamsProductInfo | None = Field(description="The product as it was when ordered")
    patient_id: str | None = Field(
        alias="patientId",
        description='The patient\'s own identifier; "" if none; null without phi:read',
    )
    subject: RayTeamsSubject | None
    memo: str = Field(description='Additional comments on the order; "" if none')
    medical_records: Any = Field(alias="medicalRecords", description="null without phi:read")
    treatments: Any = Field(description="null without phi:read")
    workflow: RayTeamsWorkflow
    created: int = Field(description="Epoch milliseconds")
    updated: int = Field(description="Epoch milliseconds")
    project_id: str = Field(alias="projectId", description="Added field: the order's project")


class RayTeamsProduct(Wire):
    id: str = Field(alias="_id")
    lab_id: str = Field(alias="labId", description="The lab (supplier account) selling it")
    productname: str
    price: int | float
    currency: str
    discount: str = Field(description='Discount information; "" if none')
    terms: str = Field(description='Terms of sale; "" if none')
    orderable: bool
    workflow: RayTeamsWorkflow = Field(
        description="The workflow a new order of this product follows"
    )
    created: int
    updated: int


class RayTeamsStep(Wire):
    status: str
    status_name: str | None = Field(alias="statusName")
    status_type: str | None = Field(alias="statusType")


class RayTeamsHistory(Wire):
    id: str = Field(alias="_id", description="The event's id")
    project_id: str = Field(alias="projectId")
    order_id: str = Field(alias="orderId")
    type: str = Field(
        description="created, status_moved, cancelled, changed, note_added or tracking_added"
    )
    from_: RayTeamsStep | None = Field(
        alias="from", description="The status before a status change"
    )
    to: RayTeamsStep | None = Field(description="The status after a status change (or at creation)")
    reason: str | None
    actor: str = Field(description="Who: role and credential name")
    client_id: str | None = Field(
        alias="clientId", description="The x-rayteams-client-id of the call"
    )
    created: int = Field(description="Epoch milliseconds")
    data: dict[str, Any] = Field(description="What the event recorded")


T = TypeVar("T")


class RayTeamsSuccess(Wire, Generic[T]):
    status: Literal["success"] = "success"
    data: T
