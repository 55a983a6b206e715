"""The sets of orders a surface places: the same rule as its SQL condition, on a request."""

from __future__ import annotations

import pytest

from orderdesk.errors import ValidationFailed
from orderdesk.orders.schemas import OrderCreate
from orderdesk.orders.sets import OrderSet, RecipientRequired

ITEMS_FOR_A_PATIENT = {"patient_id": 1, "lines": [{"item_id": 2, "count": 1}]}


def pointers(error: ValidationFailed) -> set[str | None]:
    return {e.pointer for e in error.errors}


@pytest.mark.parametrize("body", [ITEMS_FOR_A_PATIENT, {"site_id": 3, "lines": [{"kit_id": 4}]}])
def test_an_order_with_an_item_or_kit_line_for_a_recipient_is_placed(body: dict) -> None:
    OrderSet.ITEMS_OR_KITS_FOR_A_RECIPIENT.check_placement(OrderCreate.model_validate(body))


def test_an_order_for_neither_patient_nor_site_is_refused_naming_both() -> None:
    data = OrderCreate.model_validate({"lines": [{"item_id": 2, "count": 1}]})
    with pytest.raises(RecipientRequired) as raised:
        OrderSet.ITEMS_OR_KITS_FOR_A_RECIPIENT.check_placement(data)
    assert pointers(raised.value) == {"/patient_id", "/site_id"}


def test_an_order_with_only_product_lines_is_refused_naming_the_lines() -> None:
    data = OrderCreate.model_validate({"patient_id": 1, "lines": [{"product_id": 5}]})
    with pytest.raises(ValidationFailed) as raised:
        OrderSet.ITEMS_OR_KITS_FOR_A_RECIPIENT.check_placement(data)
    assert pointers(raised.value) == {"/lines"}


def test_an_order_from_no_product_is_refused_where_the_set_needs_one() -> None:
    data = OrderCreate.model_validate(ITEMS_FOR_A_PATIENT)
    with pytest.raises(ValidationFailed) as raised:
        OrderSet.FROM_A_PRODUCT.check_placement(data)
    assert pointers(raised.value) == {"/product_id"}
    OrderSet.FROM_A_PRODUCT.check_placement(OrderCreate.model_validate({"product_id": 5}))


def test_every_order_may_be_placed_where_the_set_is_every_order() -> None:
    OrderSet.EVERY.check_placement(OrderCreate.model_validate({"product_id": 5}))
