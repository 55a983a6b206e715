"""The one place an order becomes what a caller sees.

Every surface (native API, compatibility adapters, exports) renders from
``OrderRead``, so a rule about what a caller may see applies everywhere.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orders.models import Order
from orderdesk.orders.schemas import (
    OrderRead,
    ProductSnapshot,
    StatusRead,
    TransitionRead,
    WorkflowRef,
)
from orderdesk.orders.service import workflow_of
from orderdesk.tenancy.principal import Principal
from orderdesk.workflow.graph import State


def _status(state: State) -> StatusRead:
    return StatusRead(
        id=state.id,
        name=state.name,
        type=state.type.value,
        outcome=state.outcome.value if state.outcome else None,
        code=state.code,
    )


async def read_order(session: AsyncSession, order: Order, principal: Principal) -> OrderRead:
    workflow = await workflow_of(session, order)
    moves = workflow.graph.moves_from(order.status_id, role=principal.role.value)
    product = None
    if order.product_id is not None or order.product_name is not None:
        product = ProductSnapshot(
            id=order.product_id,
            name=order.product_name,
            price=order.price,
            currency=order.currency,
            discount=order.discount,
        )
    return OrderRead.model_validate(
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
            "product": product,
            "returns": order.returns or {},
            "external_order_ids": [e.value for e in order.external_ids],
            "tags": [t.value for t in order.tags],
            "status": StatusRead(
                id=order.status_id,
                name=order.status_name,
                type=order.status_type,
                outcome=order.status_outcome,
                code=workflow.graph.state(order.status_id).code,
            ),
            "workflow": WorkflowRef(
                key=workflow.key,
                version=workflow.number,
                states=[_status(state) for state in workflow.graph.states],
            ),
            "transitions": [
                TransitionRead(
                    to=t.to_state,
                    name=workflow.graph.state(t.to_state).name,
                    reason_required=t.reason_required,
                )
                for t in moves
            ],
        }
    )
