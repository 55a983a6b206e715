"""The order knows its own rules: the state it is in, whether it may still change, which
version it is at, and what an edit did to it. No database: these are plain objects."""

from __future__ import annotations

from typing import Any

import pytest

from orderdesk.errors import Conflict, PreconditionFailed
from orderdesk.orders.models import Change, Order, OrderExternalId, OrderTag
from orderdesk.workflow.graph import Outcome, State, StateType

TENANT = 4
NEW = State("new", "New", StateType.NEW)
WORKING = State("working", "Working", StateType.INPROGRESS)
DONE = State("done", "Done", StateType.CLOSED, Outcome.COMPLETED)
DROPPED = State("dropped", "Dropped", StateType.CLOSED, Outcome.CANCELLED)


def an_order(state: State = NEW, **fields: Any) -> Order:
    order = Order(tenant_id=TENANT, id=12, version=3, **fields)
    order.enter(state)
    return order


# --- entering a state ------------------------------------------------------------------


def test_entering_a_state_takes_its_id_name_and_type():
    order = an_order(NEW)
    order.enter(WORKING)
    assert (order.status_id, order.status_name, order.status_type) == (
        WORKING.id,
        WORKING.name,
        WORKING.type.value,
    )


def test_entering_a_closed_state_takes_its_outcome():
    order = an_order(NEW)
    order.enter(DROPPED)
    assert order.status_outcome == DROPPED.outcome


def test_entering_an_open_state_clears_the_outcome_of_the_last_one():
    order = an_order(DONE)
    order.enter(WORKING)
    assert order.status_outcome is None


# --- closed or open --------------------------------------------------------------------


@pytest.mark.parametrize("state", [DONE, DROPPED])
def test_an_order_in_a_closed_state_is_closed(state):
    assert an_order(state).is_closed


@pytest.mark.parametrize("state", [NEW, WORKING])
def test_an_order_in_a_new_or_in_progress_state_is_open(state):
    assert not an_order(state).is_closed


def test_a_closed_order_refuses_to_change_with_a_conflict_naming_its_state():
    order = an_order(DONE)
    with pytest.raises(Conflict) as refused:
        order.ensure_open()
    assert str(order.id) in refused.value.detail
    assert DONE.name in refused.value.detail


@pytest.mark.parametrize("state", [NEW, WORKING])
def test_an_open_order_may_change(state):
    an_order(state).ensure_open()


# --- versions --------------------------------------------------------------------------


def test_the_version_the_order_is_at_passes():
    order = an_order()
    order.check_version(order.version)


def test_no_expected_version_passes():
    an_order().check_version(None)


@pytest.mark.parametrize("offset", [-1, 1])
def test_another_version_fails_the_precondition_and_says_the_current_one(offset):
    order = an_order()
    expected = order.version + offset
    with pytest.raises(PreconditionFailed) as failed:
        order.check_version(expected)
    assert failed.value.extra == {"version": order.version}
    assert failed.value.detail == (
        f"order {order.id} is at version {order.version}, not {expected}"
    )


# --- the diff of an edit ---------------------------------------------------------------


def test_an_edit_sets_the_field_and_says_its_old_and_new_value():
    order = an_order(memo="old")
    diff = order.edit({"memo": "new"})
    assert order.memo == "new"
    assert diff == {"memo": Change("old", "new")}


def test_an_edit_that_sets_the_values_already_there_changes_nothing():
    order = an_order(
        memo="same",
        data={"k": 1},
        external_ids=[OrderExternalId(tenant_id=TENANT, value="PO-1")],
        tags=[OrderTag(tenant_id=TENANT, value="rush")],
    )
    assert order.edit({"memo": "same", "data": {"k": 1}, "external_order_ids": ["PO-1"]}) == {}
    assert order.edit({"tags": ["rush"]}) == {}


def test_an_edit_names_only_the_fields_whose_value_changed():
    order = an_order(memo="same", data={"k": 1})
    diff = order.edit({"memo": "same", "data": {"k": 2}})
    assert diff == {"data": Change({"k": 1}, {"k": 2})}


def test_new_external_ids_replace_the_old_rows_in_the_orders_tenant():
    order = an_order(external_ids=[OrderExternalId(tenant_id=TENANT, value="PO-1")])
    diff = order.edit({"external_order_ids": ["PO-2", "PO-3"]})
    assert [(e.tenant_id, e.value) for e in order.external_ids] == [
        (TENANT, "PO-2"),
        (TENANT, "PO-3"),
    ]
    assert diff == {"external_order_ids": Change(["PO-1"], ["PO-2", "PO-3"])}


def test_tags_with_the_same_values_keep_their_rows():
    kept = OrderTag(tenant_id=TENANT, value="rush")
    order = an_order(tags=[kept])
    order.edit({"tags": ["rush"]})
    assert order.tags == [kept]


def test_new_tags_are_compared_by_value():
    order = an_order(tags=[OrderTag(tenant_id=TENANT, value="a")])
    diff = order.edit({"tags": ["a", "b"]})
    assert [t.value for t in order.tags] == ["a", "b"]
    assert diff == {"tags": Change(["a"], ["a", "b"])}


def test_an_address_is_a_merge_patch_of_the_stored_one():
    order = an_order(shipping_address={"city": "Boston", "note": "back door"})
    diff = order.edit({"shipping_address": {"city": "Salem"}})
    merged = {"city": "Salem", "note": "back door"}
    assert order.shipping_address == merged
    assert diff == {"shipping_address": Change({"city": "Boston", "note": "back door"}, merged)}


def test_a_null_field_in_an_address_patch_removes_it():
    stored = {"line_one": "1 Main St", "city": "Boston", "note": "back door"}
    order = an_order(shipping_address=dict(stored))
    order.edit({"shipping_address": {"line_one": None, "city": "Salem"}})
    assert order.shipping_address == {"city": "Salem", "note": "back door"}


def test_an_address_patch_that_removes_every_field_leaves_no_address():
    order = an_order(shipping_address={"city": "Boston"})
    order.edit({"shipping_address": {"city": None}})
    assert order.shipping_address is None


def test_a_null_address_removes_it():
    order = an_order(billing_address={"city": "Boston"})
    diff = order.edit({"billing_address": None})
    assert order.billing_address is None
    assert diff == {"billing_address": Change({"city": "Boston"}, None)}


def test_an_address_patch_equal_to_the_stored_one_changes_nothing():
    stored = {"city": "Boston", "note": "back door"}
    order = an_order(shipping_address=dict(stored))
    diff = order.edit({"shipping_address": {"city": "Boston"}})
    assert diff == {}
    assert order.shipping_address == stored
