"""Vendor <-> core translation for RAYTeams: pure functions over the core's read models."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol

from orderdesk.catalog.schemas import ProductRead
from orderdesk.errors import ValidationFailed, not_found
from orderdesk.orders.events import OrderStatusMoved, state_reached
from orderdesk.orders.schemas import (
    OrderEventRead,
    OrderRead,
    ProductSnapshot,
    StatusRead,
    TransitionRequest,
)
from orderdesk.privacy import WITHHELD, shown
from orderdesk.schemas import or_empty
from orderdesk.workflow.registry import PinnedWorkflow

from .schemas import (
    RayTeamsHistory,
    RayTeamsNode,
    RayTeamsOrder,
    RayTeamsProduct,
    RayTeamsProductInfo,
    RayTeamsStatusChange,
    RayTeamsStep,
    RayTeamsWorkflow,
)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)
_DIGITS = re.compile(r"[0-9]{1,19}")


class _Status(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...


def epoch_ms(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // _MS


def ident(raw: str, kind: str) -> int:
    """A RAYTeams id as the core's integer; one that is not a number names nothing."""
    if not _DIGITS.fullmatch(raw):
        raise not_found(kind, raw[:100])
    return int(raw)


def number(value: Decimal) -> int | float:
    """A price as a JSON number: 360000, not 360000.00."""
    return int(value) if value == value.to_integral_value() else float(value)


def node(state: _Status) -> RayTeamsNode:
    return RayTeamsNode(status=state.id, status_name=state.name, status_type=str(state.type))


def _workflow(key: str, version: int, states: Iterable[_Status]) -> RayTeamsWorkflow:
    return RayTeamsWorkflow(key=key, version=version, nodes=[node(s) for s in states])


def _product(snapshot: ProductSnapshot | None) -> RayTeamsProductInfo | None:
    if snapshot is None:
        return None
    return RayTeamsProductInfo(
        currency=or_empty(snapshot.currency),
        discount=or_empty(snapshot.discount),
        price=None if snapshot.price is None else number(snapshot.price),
        productname=or_empty(snapshot.name),
    )


def order_out(order: OrderRead) -> RayTeamsOrder:
    patient = order.patient
    subject = None
    patient_id: str | None = ""
    if patient is not None:
        # Who the patient is (and the case) shows as null to a caller without phi:read.
        names = (shown(patient.first_name), shown(patient.last_name))
        born = patient.date_of_birth
        subject = {
            "name": " ".join(p for p in names if p) if any(names) else None,
            "birth": None if born is WITHHELD else (born.isoformat() if born else ""),
        }
        identifier = patient.external_identifier
        patient_id = None if identifier is WITHHELD else or_empty(identifier)
    created = epoch_ms(order.created_at)
    return RayTeamsOrder.model_validate(
        {
            "_id": str(order.id),
            "sk": f"order:{created}",
            "ownerGroupId": str(order.customer_account_id),
            "labId": str(order.supplier_account_id),
            "status": order.status.id,
            "statusName": order.status.name,
            "statusType": order.status.type,
            "product": _product(order.product),
            "patientId": patient_id,
            "subject": subject,
            "memo": or_empty(order.memo),
            "medicalRecords": shown(order.medical_records),
            "treatments": shown(order.treatments),
            "workflow": _workflow(
                order.workflow.key, order.workflow.version, order.workflow.states
            ),
            "created": created,
            "updated": epoch_ms(order.updated_at),
            "projectId": str(order.project_id),
        }
    )


def product_out(product: ProductRead, workflow: PinnedWorkflow) -> RayTeamsProduct:
    return RayTeamsProduct.model_validate(
        {
            "_id": str(product.id),
            "labId": str(product.account_id),
            "productname": product.name,
            "price": number(product.price),
            "currency": product.currency,
            "discount": or_empty(product.discount),
            "terms": or_empty(product.terms),
            "orderable": product.orderable,
            "workflow": _workflow(workflow.key, workflow.number, workflow.graph.states),
            "created": epoch_ms(product.created_at),
            "updated": epoch_ms(product.updated_at),
        }
    )


def _step(state_id: Any, states: Mapping[str, StatusRead]) -> RayTeamsStep | None:
    if not isinstance(state_id, str):
        return None
    known = states.get(state_id)
    return RayTeamsStep(
        status=state_id,
        status_name=known.name if known else None,
        status_type=known.type if known else None,
    )


def history_out(
    event: OrderEventRead, project_id: int, states: Mapping[str, StatusRead]
) -> RayTeamsHistory:
    """One timeline event; ``states`` are the statuses of the event's order's workflow."""
    payload = event.payload
    source = reason = None
    if isinstance(payload, OrderStatusMoved):  # cancels included
        source, reason = payload.from_, payload.reason
    target = state_reached(payload)
    return RayTeamsHistory.model_validate(
        {
            "_id": str(event.id),
            "projectId": str(project_id),
            "orderId": str(event.order_id),
            "type": event.kind.value,
            "from": _step(source, states),
            "to": _step(target, states),
            "reason": reason,
            "actor": event.actor,
            "clientId": event.client,
            "created": epoch_ms(event.occurred_at),
            "data": payload.model_dump(mode="json", by_alias=True),
        }
    )


def transition(change: RayTeamsStatusChange) -> TransitionRequest:
    """The core status change a request asks for (its ``statusName``, a second name for
    the status, goes to the core beside it: ``set_status(..., name=...)``)."""
    return TransitionRequest(to=change.status, reason=change.reason)


#: Where the fields of the core's status change sit in the vendor body.
_POINTERS = {"/to": "/data/status", "/reason": "/data/reason", "/name": "/data/statusName"}


def in_body(error: ValidationFailed) -> ValidationFailed:
    """A core error about the move, pointed at the vendor body's fields."""
    return ValidationFailed(
        error.detail,
        errors=[
            replace(e, pointer=_POINTERS.get(e.pointer, e.pointer)) if e.pointer else e
            for e in error.errors
        ],
        extra=error.extra,
    )
