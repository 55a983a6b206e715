"""Use cases for orders: the one place where an order changes.

Every change goes through ``record``, which appends the timeline event and
touches the order row (bumping its version) in the caller's transaction, so
later the outbox event and the idempotency record can join the same write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk import tally
from orderdesk.db import utcnow
from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.orders import custody, feed
from orderdesk.orders.events import (
    Actor,
    EventPayload,
    NoteAdded,
    OrderCancelled,
    OrderChanged,
    OrderCreated,
    OrderStatusMoved,
    TrackingAdded,
)
from orderdesk.orders.loading import ORDER_LOAD, load_collections
from orderdesk.orders.models import (
    ADDRESS_FIELDS,
    EXTERNAL_IDS_MAX,
    TAGS_MAX,
    Order,
    OrderEvent,
    OrderExternalId,
    OrderLine,
    OrderNote,
    OrderTag,
    TrackingNumber,
)
from orderdesk.orders.placement import catalog_entries, check_recipient, supplier_of
from orderdesk.orders.returns import checked_returns
from orderdesk.orders.schemas import (
    CancelRequest,
    NoteCreate,
    OrderCreate,
    OrderLineIn,
    OrderUpdate,
    TrackingNumberCreate,
    TransitionRequest,
)
from orderdesk.orders.sets import OrderSet
from orderdesk.orderschemas.service import check_order_data
from orderdesk.projects.service import project_for_order
from orderdesk.schemas import address_dict
from orderdesk.tenancy.accounts import account_of_kind
from orderdesk.tenancy.models import AccountKind, Role
from orderdesk.tenancy.principal import Principal
from orderdesk.tenancy.scoping import get_visible
from orderdesk.workflow.graph import Outcome, Workflow
from orderdesk.workflow.registry import PinnedWorkflow, pinned, workflow_for_new_order


async def load_order(
    session: AsyncSession,
    order_id: int,
    principal: Principal,
    *,
    for_update: bool = False,
    within: OrderSet = OrderSet.EVERY,
    customer_account_id: int | None = None,
) -> Order:
    """The order, if the principal may see it, it is in ``within`` and (when given) it is
    ``customer_account_id``'s; else the same 404 as for a missing one."""
    where = within.conditions()
    if customer_account_id is not None:
        where = (*where, Order.customer_account_id == customer_account_id)
    order = await get_visible(
        session,
        Order,
        order_id,
        principal,
        kind="order",
        options=ORDER_LOAD,
        for_update=for_update,
        fresh=True,
        where=where,
    )
    await load_collections(session, [order])
    return order


async def workflow_of(session: AsyncSession, order: Order) -> PinnedWorkflow:
    return await pinned(session, order.workflow_version_id, tenant_id=order.tenant_id)


def record(
    session: AsyncSession,
    order: Order,
    payload: EventPayload,
    principal: Principal,
    *,
    touch: bool = True,
) -> OrderEvent:
    """Append the event ``payload`` describes, stamped with who acted (``by``)."""
    now = utcnow()
    if touch:  # a new order was just inserted at version 1; touching it again would make it 2
        order.updated_at = now  # every change touches the row, so its version moves too
    event = OrderEvent(
        tenant_id=order.tenant_id,
        order_id=order.id,
        kind=payload.kind,
        actor=principal.actor,
        credential_id=principal.credential_id,
        client=principal.client,
        occurred_at=now,
        data=payload.model_copy(update={"by": Actor.of(principal)}).model_dump(
            mode="json", by_alias=True
        ),
    )
    session.add(event)
    feed.queue_for_numbering(session, event, new_order=not touch)
    return event


async def create_order(
    session: AsyncSession,
    data: OrderCreate,
    *,
    principal: Principal,
    within: OrderSet = OrderSet.EVERY,
) -> Order:
    """Place an order; ``within`` for a surface that places only the orders it can show."""
    principal.require(Role.ADMIN, Role.CUSTOMER)
    within.check_placement(data)
    customer_id = principal.owning_account(data.customer_account_id, pointer="/customer_account_id")
    await account_of_kind(
        session,
        customer_id,
        AccountKind.CUSTOMER,
        principal=principal,
        pointer="/customer_account_id",
    )
    await check_recipient(session, data, customer_id, principal)
    if not data.lines and data.product_id is None:
        raise ValidationFailed(
            "an order needs something to fulfil",
            errors=[FieldError("give at least one line (or a product_id)", pointer="/lines")],
        )
    entries, errors, unorderable = await catalog_entries(session, data, principal)
    if errors:
        raise ValidationFailed(
            "the order names unknown or unorderable catalog entries",
            errors=errors,
            # Which of those exist but may not be ordered, for the surfaces that answer
            # them differently (Impilo's item_not_orderable).
            extra={"not_orderable": unorderable} if unorderable else {},
        )
    supplier_id = await supplier_of(session, data, entries, principal)
    product = entries.get(("product_id", data.product_id)) if data.product_id else None

    if data.schema_name is not None:
        await check_order_data(
            session,
            data.schema_name,
            data.data,
            tenant_id=principal.tenant_id,
            supplier_account_id=supplier_id,
        )
    returns = (
        await checked_returns(
            session,
            data.returns,
            supplier_id=supplier_id,
            patient_id=data.patient_id,
            site_id=data.site_id,
            principal=principal,
        )
        if data.returns is not None
        else {}
    )
    project = await project_for_order(
        session,
        data.project_id,
        customer_id=customer_id,
        patient_id=data.patient_id,
        principal=principal,
    )
    workflow = await workflow_for_new_order(
        session,
        tenant_id=principal.tenant_id,
        supplier_account_id=supplier_id,
        product_id=data.product_id,
    )
    lines = data.lines or [OrderLineIn(product_id=data.product_id, count=1)]
    order = Order(
        tenant_id=principal.tenant_id,
        customer_account_id=customer_id,
        supplier_account_id=supplier_id,
        patient_id=data.patient_id,
        site_id=data.site_id,
        project_id=project.id,
        product_id=product.id if product else None,
        product_name=product.name if product else None,
        price=product.price if product else None,
        currency=product.currency if product else None,
        discount=product.discount if product else None,
        workflow_version_id=workflow.version_id,
        schema_name=data.schema_name,
        memo=data.memo,
        data=data.data,
        medical_records=data.medical_records,
        treatments=data.treatments,
        email_label=data.email_label,
        comments=data.comments,
        returns=returns,
        shipping_option=data.shipping_option,
        shipping_address=address_dict(data.shipping_address),
        billing_address=address_dict(data.billing_address),
        lines=[
            OrderLine(tenant_id=principal.tenant_id, position=i, **line.model_dump())
            for i, line in enumerate(lines)
        ],
        external_ids=[
            OrderExternalId(tenant_id=principal.tenant_id, value=v) for v in data.external_order_ids
        ],
        tags=[OrderTag(tenant_id=principal.tenant_id, value=v) for v in data.tags],
        notes=[
            OrderNote(
                tenant_id=principal.tenant_id,
                author=principal.actor,
                credential_id=principal.credential_id,
                account_id=principal.account_id,
                text=text,
            )
            for text in data.notes
        ],
    )
    order.enter(workflow.graph.initial_state)
    session.add(order)
    await session.flush()
    record(
        session,
        order,
        OrderCreated(
            status=order.status_id,
            status_name=order.status_name,
            workflow=workflow.key,
            workflow_version=workflow.number,
            project_id=project.id,
            lines=len(lines),
        ),
        principal,
        touch=False,
    )
    tally.note(session, "order_created", workflow=workflow.key, state=order.status_id)
    await session.flush()
    return await load_order(session, order.id, principal)


async def editable_order(
    session: AsyncSession,
    order_id: int,
    *,
    principal: Principal,
    expected_version: int | None = None,
    parties: Sequence[Role] = (Role.ADMIN, Role.CUSTOMER, Role.SUPPLIER),
    within: OrderSet = OrderSet.EVERY,
) -> Order:
    """The order, locked for an edit: the checks ``update_order`` makes before it looks at
    the changes (who may, whether the order is one of ``within``, at which version, and
    that it is still open)."""
    principal.require(*parties)
    order = await load_order(session, order_id, principal, for_update=True, within=within)
    order.check_version(expected_version)
    order.ensure_open()
    return order


async def update_order(
    session: AsyncSession,
    order_id: int,
    data: OrderUpdate,
    *,
    principal: Principal,
    expected_version: int | None = None,
    parties: Sequence[Role] = (Role.ADMIN, Role.CUSTOMER, Role.SUPPLIER),
    within: OrderSet = OrderSet.EVERY,
) -> Order:
    """Edit an open order. ``parties`` narrows who may: some surfaces' edit is one party's
    operation (Record Stack Overflow's merchant update). An address sent is a merge patch
    of the stored one (``Order.edit``): the fields given replace, null removes."""
    order = await editable_order(
        session,
        order_id,
        principal=principal,
        expected_version=expected_version,
        parties=parties,
        within=within,
    )
    changes = data.model_dump(exclude_unset=True)
    for field in ADDRESS_FIELDS & changes.keys():
        sent = getattr(data, field)  # the fields the client named, nulls included
        changes[field] = None if sent is None else sent.model_dump(exclude_unset=True)
    if data.returns is not None:
        changes["returns"] = await checked_returns(
            session,
            data.returns,
            supplier_id=order.supplier_account_id,
            patient_id=order.patient_id,
            site_id=order.site_id,
            principal=principal,
            stored=order.returns,
        )
    return await _edited(session, order, changes, principal)


async def _edited(
    session: AsyncSession, order: Order, changes: Mapping[str, Any], principal: Principal
) -> Order:
    """Apply ``changes`` (``Order.edit``), recording the fields that really changed."""
    diff = order.edit(changes)
    if diff:
        record(session, order, OrderChanged.of(diff), principal)
        await session.flush()
    return await load_order(session, order.id, principal)


#: The order's lists of values that several parties edit, each with its bound.
VALUE_LISTS: Mapping[str, int] = {"tags": TAGS_MAX, "external_order_ids": EXTERNAL_IDS_MAX}


async def add_values(
    session: AsyncSession,
    order_id: int,
    field: str,
    values: Sequence[str],
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """Add ``values`` to the open order's list ``field`` (``VALUE_LISTS``); one it holds
    already stays once. The order is locked while the list is read and written, so a
    concurrent add or removal is never lost, and no ``If-Match`` is needed."""
    order = await editable_order(
        session, order_id, principal=principal, expected_version=expected_version
    )
    before = order.values_of(field)
    after = [*before, *dict.fromkeys(v for v in values if v not in before)]
    if len(after) > VALUE_LISTS[field]:
        raise ValidationFailed(
            f"an order holds at most {VALUE_LISTS[field]} {field}",
            errors=[
                FieldError(
                    f"{len(after) - len(before)} more would make {len(after)}; it has "
                    f"{len(before)}",
                    pointer=f"/{field}",
                )
            ],
        )
    return await _edited(session, order, {field: after}, principal)


async def remove_value(
    session: AsyncSession,
    order_id: int,
    field: str,
    value: str,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """Take ``value`` out of the open order's list ``field``, under the same lock as
    ``add_values``; nothing to do when it is not there (a removal is safe to repeat)."""
    order = await editable_order(
        session, order_id, principal=principal, expected_version=expected_version
    )
    after = [v for v in order.values_of(field) if v != value]
    return await _edited(session, order, {field: after}, principal)


async def move_order(
    session: AsyncSession,
    order_id: int,
    request: TransitionRequest,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> Order:
    """Take one workflow transition; the graph decides whether it is allowed."""
    order = await load_order(session, order_id, principal, for_update=True)
    order.check_version(expected_version)
    workflow = (await workflow_of(session, order)).graph
    workflow.check_move(
        order.status_id, request.to, role=principal.role.value, reason=request.reason
    )
    return await _move(session, order, workflow, request.to, request.reason, principal)


async def set_status(
    session: AsyncSession,
    order_id: int,
    request: TransitionRequest,
    *,
    principal: Principal,
    name: str | None = None,
) -> Order:
    """Put the order in ``request.to``: nothing to do when it is there already (a status
    PUT is safe to repeat), else the workflow move ``move_order`` would take. ``name``,
    when given, names the same status a second time and must be its name (422 on
    ``/name``)."""
    order = await load_order(session, order_id, principal, for_update=True)
    (await workflow_of(session, order)).graph.check_name(request.to, name)
    if order.status_id == request.to:
        return order
    return await move_order(session, order_id, request, principal=principal)


async def cancel_order(
    session: AsyncSession,
    order_id: int,
    request: CancelRequest,
    *,
    principal: Principal,
    parties: Sequence[Role] = (Role.ADMIN, Role.CUSTOMER, Role.SUPPLIER),
    within: OrderSet = OrderSet.EVERY,
    customer_account_id: int | None = None,
    expected_version: int | None = None,
) -> Order:
    """Take the workflow's cancel move. ``parties`` narrows who may, as for ``update_order``
    (Record Stack Overflow's cancel is the customer's operation); ``within`` and
    ``customer_account_id`` narrow which orders, as for ``load_order``."""
    return await close_order(
        session,
        order_id,
        Outcome.CANCELLED,
        principal=principal,
        reason=request.reason,
        parties=parties,
        within=within,
        customer_account_id=customer_account_id,
        expected_version=expected_version,
    )


async def close_order(
    session: AsyncSession,
    order_id: int,
    outcome: Outcome,
    *,
    principal: Principal,
    reason: str | None = None,
    parties: Sequence[Role] = (Role.ADMIN, Role.CUSTOMER, Role.SUPPLIER),
    within: OrderSet = OrderSet.EVERY,
    customer_account_id: int | None = None,
    expected_version: int | None = None,
) -> Order:
    """Close the order with ``outcome``, by the first listed move the caller may take now
    to a state of that outcome, for surfaces that name an outcome rather than a state.
    Who may, and which orders (``within``, ``customer_account_id``), is checked first."""
    principal.require(*parties)
    order = await load_order(
        session,
        order_id,
        principal,
        for_update=True,
        within=within,
        customer_account_id=customer_account_id,
    )
    order.check_version(expected_version)
    workflow = (await workflow_of(session, order)).graph
    transition = workflow.close_target(order.status_id, outcome, role=principal.role.value)
    workflow.check_move(
        order.status_id, transition.to_state, role=principal.role.value, reason=reason
    )
    return await _move(session, order, workflow, transition.to_state, reason, principal)


async def _move(
    session: AsyncSession,
    order: Order,
    workflow: Workflow,
    to: str,
    reason: str | None,
    principal: Principal,
) -> Order:
    """Move ``order`` to ``workflow``'s state ``to`` (the move is checked already)."""
    target = workflow.state(to)
    moved = OrderCancelled if target.outcome is Outcome.CANCELLED else OrderStatusMoved
    payload = moved(
        from_=order.status_id,
        from_name=order.status_name,
        to=target.id,
        to_name=target.name,
        reason=reason,
    )
    order.enter(target)
    if order.is_closed:
        custody.follow_close(session, order, principal)
    record(session, order, payload, principal)
    tally.note(session, "order_moved", workflow=workflow.key, state=target.id)
    await session.flush()
    return await load_order(session, order.id, principal)


async def add_note(
    session: AsyncSession,
    order_id: int,
    data: NoteCreate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> OrderNote:
    order = await load_order(session, order_id, principal, for_update=True)
    order.check_version(expected_version)
    note = OrderNote(
        tenant_id=order.tenant_id,
        order_id=order.id,
        author=principal.actor,
        credential_id=principal.credential_id,
        account_id=principal.account_id,
        text=data.text,
    )
    session.add(note)
    await session.flush()
    await session.refresh(note, ["account"])  # what the note shows of its author
    record(session, order, NoteAdded(note_id=note.id, text=data.text), principal)
    await session.flush()
    return note


async def add_tracking_number(
    session: AsyncSession,
    order_id: int,
    data: TrackingNumberCreate,
    *,
    principal: Principal,
    expected_version: int | None = None,
) -> TrackingNumber:
    principal.require(Role.ADMIN, Role.SUPPLIER)
    order = await load_order(session, order_id, principal, for_update=True)
    order.check_version(expected_version)
    tracking = TrackingNumber(
        tenant_id=order.tenant_id, order_id=order.id, carrier=data.carrier, value=data.value
    )
    session.add(tracking)
    await session.flush()
    custody.ship(session, order, principal)
    record(session, order, TrackingAdded(carrier=data.carrier, value=data.value), principal)
    await session.flush()
    return tracking
