"""The read model in two steps: what an order is (``OrderView``), and what one caller sees."""

from __future__ import annotations

import datetime as dt
from typing import Any

from orderdesk.orders.read_model import OrderView, for_caller
from orderdesk.orders.schemas import OrderRead
from orderdesk.privacy import CASE_PHI, PATIENT_ADDRESSES
from orderdesk.tenancy.models import Role
from orderdesk.tenancy.principal import Principal

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def account(ident: int) -> dict[str, Any]:
    return {
        "id": ident,
        "name": f"account {ident}",
        "contact_person": None,
        "contact_given_name": None,
        "contact_family_name": None,
        "email": None,
    }


def view(**fields: Any) -> OrderView:
    """An order in "new" of a small workflow: the supplier may start work, the customer
    cancel, an admin either."""
    return OrderView.model_validate(
        {
            "id": 7,
            "customer_account_id": 1,
            "supplier_account_id": 2,
            "customer": {**account(1), "phone_number": None},
            "supplier": {**account(2), "phone_number": None},
            "project_id": 3,
            "schema_name": None,
            "email_label": False,
            "comments": [],
            "returns": {},
            "patient": None,
            "site": None,
            "product": None,
            "lines": [],
            "external_order_ids": ["PO-1"],
            "tags": [],
            "data": {},
            "medical_records": {"allergies": ["latex"]},
            "treatments": [{"type": "crown"}],
            "memo": "as is",
            "shipping_option": "standard",
            "shipping_address": None,
            "billing_address": None,
            "effective_shipping_address": None,
            "effective_billing_address": None,
            "status": {"id": "new", "name": "New", "type": "NEW", "outcome": None},
            "workflow": {"key": "sample", "version": 1, "states": []},
            "moves": [
                {"to": "work", "name": "Working", "reason_required": False, "roles": {"supplier"}},
                {
                    "to": "void",
                    "name": "Void",
                    "reason_required": True,
                    "roles": {"customer", "admin"},
                },
                {"to": "hold", "name": "On hold", "reason_required": False, "roles": {"admin"}},
            ],
            "notes": [],
            "tracking_numbers": [],
            "devices": [],
            "packed_kits": [],
            "created_at": NOW,
            "updated_at": NOW,
            "version": 1,
            **fields,
        }
    )


def caller(role: Role) -> Principal:
    account_id = {Role.ADMIN: None, Role.CUSTOMER: 1, Role.SUPPLIER: 2}[role]
    return Principal(
        tenant_id=1, role=role, account_id=account_id, credential_id=None, name=role.value
    )


def test_a_caller_sees_the_orders_fields_as_they_are() -> None:
    order = view()
    shown = for_caller(order, caller(Role.CUSTOMER))
    assert (shown.id, shown.memo, shown.external_order_ids) == (7, "as is", ["PO-1"])
    assert shown.status == order.status
    assert shown.created_at == NOW


def test_each_caller_sees_the_moves_its_role_may_take_now_in_workflow_order() -> None:
    order = view()
    moves = {role: [t.to for t in for_caller(order, caller(role)).transitions] for role in Role}
    assert moves == {
        Role.SUPPLIER: ["work"],
        Role.CUSTOMER: ["void"],
        Role.ADMIN: ["void", "hold"],
    }


def test_a_move_says_whether_it_needs_a_reason() -> None:
    (move,) = for_caller(view(), caller(Role.CUSTOMER)).transitions
    assert (move.to, move.name, move.reason_required) == ("void", "Void", True)


def test_an_order_with_no_moves_out_offers_none() -> None:
    assert for_caller(view(moves=[]), caller(Role.ADMIN)).transitions == []


def test_the_caller_view_has_every_field_of_the_order_view_but_its_own_moves() -> None:
    shared = {n: f.annotation for n, f in OrderView.model_fields.items() if n != "moves"}
    read = {n: f.annotation for n, f in OrderRead.model_fields.items() if n != "transitions"}
    assert read.keys() == shared.keys()
    # Only the PHI fields differ: the caller's view may withhold them.
    assert {n for n in read if read[n] != shared[n]} == {*CASE_PHI, *PATIENT_ADDRESSES}
