"""The one place an order becomes what a caller sees, in two steps.

``order_view`` builds what an order *is*, whoever asks: its fields, its workflow
and every move that leaves its status. ``for_caller`` turns that into what one
caller sees, ``OrderRead``: the moves it may take now, and its PHI only if the
caller holds ``phi:read`` (see ``orderdesk.privacy``). Every surface (native API,
compatibility adapters, exports) renders from the second step, through
``read_order``, so such a rule applies everywhere at once; ``read_order`` also
notes the PHI it showed, for the request's audit record.

``read_event`` is the same step for a timeline event: a ``changed`` event's PHI
fields keep their names but lose their values for a caller without ``phi:read``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orders.models import EventKind, Order, OrderEvent, ShippingOption
from orderdesk.orders.schemas import (
    AccountSummary,
    NoteRead,
    OrderDeviceRead,
    OrderEventRead,
    OrderLineRead,
    OrderPatientRead,
    OrderRead,
    PackedKitRead,
    ProductSnapshot,
    ReturnsRead,
    StatusRead,
    TrackingNumberRead,
    TransitionRead,
    WorkflowRef,
)
from orderdesk.orders.service import workflow_of
from orderdesk.parties.schemas import SiteRead
from orderdesk.privacy import (
    CASE_PHI,
    CHANGE_PHI,
    HOLDER_PHI,
    PATIENT_ADDRESSES,
    PATIENT_PHI,
    WITHHELD,
    disclosures,
    withhold,
)
from orderdesk.schemas import AddressOut, Output
from orderdesk.tenancy.principal import Principal
from orderdesk.workflow.graph import State
from orderdesk.workflow.registry import PinnedWorkflow
from orderdesk.workflow.vocabularies import terms_of


class MoveView(Output):
    """A move out of the order's status, and the roles that may take it."""

    to: str
    name: str
    reason_required: bool
    roles: frozenset[str]


class OrderView(Output):
    """What an order is, for no caller in particular: every field of ``OrderRead`` except
    the caller's own (``transitions``), and every move out of its status (``moves``)."""

    id: int
    customer_account_id: int
    supplier_account_id: int
    customer: AccountSummary
    supplier: AccountSummary
    project_id: int
    schema_name: str | None
    email_label: bool
    comments: list[str]
    returns: ReturnsRead
    patient: OrderPatientRead | None
    site: SiteRead | None
    product: ProductSnapshot | None
    lines: list[OrderLineRead]
    external_order_ids: list[str]
    tags: list[str]
    data: dict[str, Any]
    medical_records: dict[str, Any]
    treatments: list[dict[str, Any]]
    memo: str | None
    shipping_option: ShippingOption
    shipping_address: AddressOut | None
    billing_address: AddressOut | None
    effective_shipping_address: AddressOut | None
    effective_billing_address: AddressOut | None
    status: StatusRead
    workflow: WorkflowRef
    moves: list[MoveView] = Field(description="Every move out of the status, whoever may take it")
    notes: list[NoteRead]
    tracking_numbers: list[TrackingNumberRead]
    devices: list[OrderDeviceRead]
    packed_kits: list[PackedKitRead]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


#: The fields of ``OrderView`` that every caller sees as they are.
_AS_THEY_ARE = tuple(name for name in OrderView.model_fields if name != "moves")


def _status(state: State) -> StatusRead:
    return StatusRead(
        id=state.id,
        name=state.name,
        type=state.type.value,
        outcome=state.outcome.value if state.outcome else None,
        code=state.code,
        terms=terms_of(state),
    )


class _WorkflowShape:
    """What every order on one workflow version shows of it, built once per process:
    the version, its states as the read model shows them, the moves out of each."""

    def __init__(self, workflow: PinnedWorkflow) -> None:
        graph = workflow.graph
        self.states = {state.id: _status(state) for state in graph.states}
        self.ref = WorkflowRef(
            key=workflow.key, version=workflow.number, states=list(self.states.values())
        )
        self._moves = {
            state.id: [
                MoveView(
                    to=t.to_state,
                    name=graph.state(t.to_state).name,
                    reason_required=t.reason_required,
                    roles=t.roles,
                )
                for t in graph.moves_from(state.id)
            ]
            for state in graph.states
        }

    def moves(self, state_id: str) -> list[MoveView]:
        return self._moves[state_id]


def _shape_of(workflow: PinnedWorkflow) -> _WorkflowShape:
    shape: _WorkflowShape | None = workflow.derived.get("read_model")
    if shape is None:
        shape = workflow.derived["read_model"] = _WorkflowShape(workflow)
    return shape


def _product(order: Order) -> ProductSnapshot | None:
    if order.product_id is None and order.product_name is None:
        return None
    return ProductSnapshot(
        id=order.product_id,
        name=order.product_name,
        price=order.price,
        currency=order.currency,
        discount=order.discount,
    )


def _fields(row: Any, *names: str) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _devices(order: Order) -> list[OrderDeviceRead]:
    """The order's devices, each with the packed kit it is in and when it came back."""
    packed_in = {d.device_id: p.id for p in order.packed_kits for d in p.device_links}
    return [
        OrderDeviceRead.model_validate(link.device).model_copy(
            update={"packed_kit_id": packed_in.get(link.device_id), "returned_at": link.returned_at}
        )
        for link in order.device_links
    ]


async def order_view(session: AsyncSession, order: Order) -> OrderView:
    """What ``order`` is (loaded with ``ORDER_LOAD``), built without a caller."""
    shape = _shape_of(await workflow_of(session, order))
    return OrderView.model_validate(
        {
            **{
                f: getattr(order, f)
                for f in (
                    "id",
                    "customer_account_id",
                    "supplier_account_id",
                    "customer",
                    "supplier",
                    "project_id",
                    "schema_name",
                    "email_label",
                    "comments",
                    "site",
                    "lines",
                    "data",
                    "medical_records",
                    "treatments",
                    "memo",
                    "shipping_option",
                    "shipping_address",
                    "billing_address",
                    "notes",
                    "tracking_numbers",
                    "created_at",
                    "updated_at",
                    "version",
                )
            },
            "patient": order.patient,
            # The order's own address, else the one registered for the customer account.
            "effective_shipping_address": order.shipping_address or order.customer.shipping_address,
            "effective_billing_address": order.billing_address or order.customer.billing_address,
            "product": _product(order),
            "returns": order.returns or {},
            "external_order_ids": [e.value for e in order.external_ids],
            "tags": [t.value for t in order.tags],
            "devices": _devices(order),
            "packed_kits": [
                {
                    **_fields(packed, "id", "kit_id", "kit", "external_identifier", "packed_at"),
                    "device_ids": [d.device_id for d in packed.device_links],
                }
                for packed in order.packed_kits
            ],
            "status": StatusRead(
                id=order.status_id,
                name=order.status_name,
                type=order.status_type,
                outcome=order.status_outcome,
                code=shape.states[order.status_id].code,
                terms=shape.states[order.status_id].terms,
            ),
            "workflow": shape.ref,
            "moves": shape.moves(order.status_id),
        }
    )


def _without_phi(read: OrderRead) -> OrderRead:
    """The order less its PHI: the case data, who its patient is and where they live,
    and who has each of its devices. An order for a site keeps its addresses."""
    update: dict[str, Any] = dict.fromkeys(CASE_PHI, WITHHELD)
    if read.patient is not None:
        update["patient"] = withhold(read.patient, PATIENT_PHI)
        update |= dict.fromkeys(PATIENT_ADDRESSES, WITHHELD)
    update["devices"] = [withhold(device, HOLDER_PHI) for device in read.devices]
    return read.model_copy(update=update)


def for_caller(view: OrderView, principal: Principal) -> OrderRead:
    """What ``principal`` sees of the order: the order as it is (less its PHI without
    ``phi:read``), and the moves its role may take now."""
    role = principal.role.value
    read = OrderRead.model_validate(
        {
            **{name: getattr(view, name) for name in _AS_THEY_ARE},
            "transitions": [
                TransitionRead(to=m.to, name=m.name, reason_required=m.reason_required)
                for m in view.moves
                if role in m.roles
            ],
        }
    )
    return read if principal.sees_phi else _without_phi(read)


def _note_disclosed(session: AsyncSession, read: OrderRead) -> None:
    """Note the PHI ``read`` carries (to a caller with ``phi:read``) for the audit record."""
    holders = {d.id: d.current_patient_id for d in read.devices if d.current_patient_id}
    if read.patient is None and not holders and not read.medical_records and not read.treatments:
        return
    shown = disclosures(session)
    shown.orders.add(read.id)
    shown.devices |= holders.keys()
    shown.patients |= {p for p in holders.values() if isinstance(p, int)}
    if read.patient is not None:
        shown.patients.add(read.patient.id)


async def read_order(session: AsyncSession, order: Order, principal: Principal) -> OrderRead:
    """The order as ``principal`` sees it: ``for_caller(order_view(...))``, its PHI noted
    as disclosed."""
    read = for_caller(await order_view(session, order), principal)
    if principal.sees_phi:
        _note_disclosed(session, read)
    return read


async def read_orders(
    session: AsyncSession, orders: Sequence[Order], principal: Principal
) -> list[OrderRead]:
    """Each of these orders as ``principal`` sees it, in the same order."""
    return [await read_order(session, order, principal) for order in orders]


def read_event(session: AsyncSession, event: OrderEvent, principal: Principal) -> OrderEventRead:
    """A timeline event as ``principal`` sees it: a ``changed`` event of a PHI field shows
    its values only with ``phi:read`` (and is then noted as disclosed)."""
    read = OrderEventRead.model_validate(event)
    fields: dict[str, Any] = read.data.get("fields") or {}
    phi = CHANGE_PHI & fields.keys() if read.kind is EventKind.CHANGED else set()
    if not phi:
        return read
    if principal.sees_phi:
        disclosures(session).orders.add(read.order_id)
        return read
    kept = {name: ({} if name in phi else change) for name, change in fields.items()}
    return read.model_copy(update={"data": {**read.data, "fields": kept}})
