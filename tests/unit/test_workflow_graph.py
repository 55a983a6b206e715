"""The workflow engine: definition rules, move checks and the default workflows."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from orderdesk.errors import Conflict, Forbidden, ValidationFailed
from orderdesk.workflow import (
    DEFAULT_WORKFLOWS,
    DENTAL_LAB,
    IMPILO_DEVICE,
    LAB_REQUEST,
    RSO_RECORD,
    TENANT_DEFAULT_KEY,
    Outcome,
    StateType,
    Transition,
    Workflow,
    default_workflow,
    parse_workflow,
)

# --- helpers ------------------------------------------------------------------


def definition() -> dict[str, Any]:
    """A small valid workflow; each test breaks one thing in a fresh copy."""
    return copy.deepcopy(
        {
            "key": "sample",
            "name": "Sample workflow",
            "states": [
                {"id": "new", "name": "New", "type": "NEW", "initial": True},
                {"id": "work", "name": "Working", "type": "INPROGRESS"},
                {"id": "done", "name": "Done", "type": "CLOSED", "outcome": "completed"},
                {"id": "void", "name": "Void", "type": "CLOSED", "outcome": "cancelled"},
            ],
            "transitions": [
                {"from": "new", "to": "work", "roles": ["supplier", "admin"]},
                {"from": "new", "to": "void", "roles": ["customer", "admin"]},
                {"from": "work", "to": "done", "roles": ["supplier"]},
                {"from": "work", "to": "void", "roles": ["admin"], "reason_required": True},
                {"from": "done", "to": "work", "roles": ["admin"], "reopening": True},
            ],
        }
    )


def sample() -> Workflow:
    return parse_workflow(definition())


def rejection(doc: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        parse_workflow(doc)
    return caught.value


def pointers(doc: Any) -> list[str | None]:
    return [error.pointer for error in rejection(doc).errors]


def reachable_from(workflow: Workflow, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for move in workflow.moves_from(todo.pop()):
            if move.to_state not in seen:
                seen.add(move.to_state)
                todo.append(move.to_state)
    return seen


# --- parsing: structure -------------------------------------------------------


def test_a_valid_definition_parses_into_its_states_transitions_and_initial_state() -> None:
    workflow = sample()
    assert [s.id for s in workflow.states] == ["new", "work", "done", "void"]
    assert workflow.initial_state.id == "new"
    assert workflow.state("done").outcome is Outcome.COMPLETED
    assert workflow.transitions[0] == Transition("new", "work", frozenset({"supplier", "admin"}))


def test_an_invalid_definition_is_a_422() -> None:
    doc = definition()
    del doc["name"]
    assert rejection(doc).status == 422


def test_a_definition_that_is_not_an_object_is_rejected_at_the_root() -> None:
    assert pointers(["not", "an", "object"]) == [""]


@pytest.mark.parametrize("missing", ["key", "name", "states", "transitions"])
def test_each_missing_top_level_field_is_named(missing: str) -> None:
    doc = definition()
    del doc[missing]
    assert f"/{missing}" in pointers(doc)


@pytest.mark.parametrize("missing", ["id", "name", "type"])
def test_each_missing_state_field_is_named(missing: str) -> None:
    doc = definition()
    del doc["states"][1][missing]
    assert f"/states/1/{missing}" in pointers(doc)


@pytest.mark.parametrize("missing", ["from", "to", "roles"])
def test_each_missing_transition_field_is_named(missing: str) -> None:
    doc = definition()
    del doc["transitions"][2][missing]
    assert f"/transitions/2/{missing}" in pointers(doc)


def test_an_unknown_field_is_rejected_where_it_appears() -> None:
    doc = definition()
    doc["states"][1]["colour"] = "blue"
    assert pointers(doc) == ["/states/1/colour"]


def test_pointers_escape_slash_and_tilde_in_field_names() -> None:
    doc = definition()
    doc["a/b~c"] = 1
    assert pointers(doc) == ["/a~1b~0c"]


def test_a_state_type_outside_new_inprogress_closed_is_rejected() -> None:
    doc = definition()
    doc["states"][1]["type"] = "WAITING"
    assert pointers(doc) == ["/states/1/type"]


def test_an_outcome_outside_completed_cancelled_is_rejected() -> None:
    doc = definition()
    doc["states"][2]["outcome"] = "finished"
    assert pointers(doc) == ["/states/2/outcome"]


def test_a_role_outside_admin_customer_supplier_is_rejected() -> None:
    doc = definition()
    doc["transitions"][0]["roles"] = ["supplier", "root"]
    assert pointers(doc) == ["/transitions/0/roles/1"]


def test_a_role_listed_twice_is_rejected() -> None:
    doc = definition()
    doc["transitions"][0]["roles"] = ["supplier", "supplier"]
    assert pointers(doc) == ["/transitions/0/roles/1"]


def test_a_transition_nobody_may_take_is_rejected() -> None:
    doc = definition()
    doc["transitions"][0]["roles"] = []
    assert pointers(doc) == ["/transitions/0/roles"]


def test_transition_flags_must_be_booleans() -> None:
    doc = definition()
    doc["transitions"][0]["reason_required"] = "yes"
    assert pointers(doc) == ["/transitions/0/reason_required"]


def test_the_initial_flag_must_be_a_boolean() -> None:
    doc = definition()
    doc["states"][0]["initial"] = "true"
    assert "/states/0/initial" in pointers(doc)


@pytest.mark.parametrize("code", [-1, 1.5, "3", True, 2**31])
def test_a_state_code_must_be_a_non_negative_32_bit_integer(code: object) -> None:
    doc = definition()
    doc["states"][1]["code"] = code
    assert pointers(doc) == ["/states/1/code"]


def test_a_duplicate_state_id_is_rejected() -> None:
    doc = definition()
    doc["states"][3]["id"] = "done"
    assert "/states/3/id" in pointers(doc)


def test_a_duplicate_state_id_is_named_even_when_that_state_is_broken_too() -> None:
    doc = definition()
    doc["states"][3] = {"id": "done", "type": "CLOSED"}
    assert "/states/3/id" in pointers(doc)


def test_a_duplicate_state_code_is_rejected() -> None:
    doc = definition()
    doc["states"][0]["code"] = 7
    doc["states"][1]["code"] = 7
    assert pointers(doc) == ["/states/1/code"]


@pytest.mark.parametrize(
    ("where", "path"),
    [("/key", ("key",)), ("/name", ("name",)), ("/states/1/name", ("states", 1, "name"))],
)
def test_text_longer_than_100_characters_is_rejected(where: str, path: tuple[Any, ...]) -> None:
    doc = definition()
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = "x" * 101
    assert pointers(doc) == [where]


def test_a_state_id_longer_than_100_characters_is_rejected() -> None:
    doc = definition()
    long_id = "w" * 101
    doc["states"][1]["id"] = long_id
    for move in doc["transitions"]:
        move["from"] = long_id if move["from"] == "work" else move["from"]
        move["to"] = long_id if move["to"] == "work" else move["to"]
    assert "/states/1/id" in pointers(doc)


def test_text_of_exactly_100_characters_is_accepted() -> None:
    doc = definition()
    doc["name"] = "n" * 100
    assert parse_workflow(doc).name == "n" * 100


def test_blank_text_is_rejected() -> None:
    doc = definition()
    doc["key"] = "   "
    assert pointers(doc) == ["/key"]


def test_more_than_100_states_are_rejected() -> None:
    doc = definition()
    doc["states"] += [{"id": f"extra{i}", "name": "Extra", "type": "INPROGRESS"} for i in range(97)]
    assert "/states" in pointers(doc)


def test_more_than_500_transitions_are_rejected() -> None:
    doc = definition()
    doc["transitions"] += [{"from": "new", "to": "done", "roles": ["admin"]}] * 496
    assert pointers(doc) == ["/transitions"]


# --- parsing: graph rules -----------------------------------------------------


def test_a_transition_to_an_unknown_state_is_named_by_its_to_pointer() -> None:
    doc = definition()
    doc["transitions"][3]["to"] = "nowhere"
    assert pointers(doc) == ["/transitions/3/to"]


def test_a_transition_from_an_unknown_state_is_named_by_its_from_pointer() -> None:
    doc = definition()
    doc["transitions"].append({"from": "limbo", "to": "done", "roles": ["admin"]})
    assert pointers(doc) == ["/transitions/5/from"]


def test_a_definition_without_an_initial_state_is_rejected() -> None:
    doc = definition()
    del doc["states"][0]["initial"]
    assert pointers(doc) == ["/states"]


def test_every_state_marked_initial_is_named_when_there_are_several() -> None:
    doc = definition()
    doc["states"][1]["type"] = "NEW"
    doc["states"][1]["initial"] = True
    assert pointers(doc) == ["/states/0/initial", "/states/1/initial"]


def test_the_initial_state_must_be_of_type_new() -> None:
    doc = definition()
    doc["states"][0]["type"] = "INPROGRESS"
    assert pointers(doc) == ["/states/0/type"]


def test_a_state_unreachable_from_the_initial_state_is_rejected() -> None:
    doc = definition()
    doc["states"].append({"id": "island", "name": "Island", "type": "INPROGRESS"})
    doc["transitions"].append({"from": "island", "to": "done", "roles": ["admin"]})
    assert pointers(doc) == ["/states/4"]


def test_a_state_from_which_no_closed_state_can_be_reached_is_rejected() -> None:
    doc = definition()
    doc["states"].append({"id": "trap", "name": "Trap", "type": "INPROGRESS"})
    doc["transitions"].append({"from": "work", "to": "trap", "roles": ["admin"]})
    assert pointers(doc) == ["/states/4"]


def test_a_definition_without_a_closed_state_is_rejected() -> None:
    doc = {
        "key": "open",
        "name": "Never ends",
        "states": [
            {"id": "a", "name": "A", "type": "NEW", "initial": True},
            {"id": "b", "name": "B", "type": "INPROGRESS"},
        ],
        "transitions": [{"from": "a", "to": "b", "roles": ["admin"]}],
    }
    assert "/states" in pointers(doc)


def test_a_closed_state_without_an_outcome_is_rejected() -> None:
    doc = definition()
    del doc["states"][2]["outcome"]
    assert pointers(doc) == ["/states/2/outcome"]


def test_a_state_that_is_not_closed_may_not_have_an_outcome() -> None:
    doc = definition()
    doc["states"][1]["outcome"] = "completed"
    assert pointers(doc) == ["/states/1/outcome"]


def test_a_move_out_of_a_closed_state_must_be_marked_reopening() -> None:
    doc = definition()
    doc["transitions"][4]["reopening"] = False
    assert pointers(doc) == ["/transitions/4/reopening"]


def test_only_a_move_out_of_a_closed_state_may_be_marked_reopening() -> None:
    doc = definition()
    doc["transitions"][0]["reopening"] = True
    assert pointers(doc) == ["/transitions/0/reopening"]


def test_a_duplicate_transition_is_rejected() -> None:
    doc = definition()
    doc["transitions"].append({"from": "new", "to": "work", "roles": ["customer"]})
    assert pointers(doc) == ["/transitions/5"]


def test_a_transition_back_to_its_own_state_is_rejected() -> None:
    doc = definition()
    doc["transitions"].append({"from": "work", "to": "work", "roles": ["admin"]})
    assert pointers(doc) == ["/transitions/5/to"]


def test_all_problems_are_reported_together() -> None:
    doc = definition()
    doc["key"] = ""
    doc["states"][1]["type"] = "BUSY"
    doc["transitions"][2]["to"] = "nowhere"
    doc["transitions"][0]["roles"] = ["boss"]
    assert pointers(doc) == [
        "/key",
        "/states/1/type",
        "/transitions/0/roles/0",
        "/transitions/2/to",
    ]


def test_a_broken_state_is_not_also_reported_as_unreachable_or_unknown() -> None:
    doc = definition()
    doc["states"][1]["name"] = 42
    assert pointers(doc) == ["/states/1/name"]


def test_a_broken_initial_state_is_not_also_reported_as_missing() -> None:
    doc = definition()
    doc["states"][0]["name"] = ""
    assert pointers(doc) == ["/states/0/name"]


def test_every_error_carries_a_detail_saying_what_is_allowed() -> None:
    doc = definition()
    doc["states"][1]["type"] = "BUSY"
    (error,) = rejection(doc).errors
    assert "NEW" in error.detail and "CLOSED" in error.detail


# --- moves --------------------------------------------------------------------


def test_a_legal_move_returns_its_transition() -> None:
    move = sample().check_move("new", "work", role="supplier", reason=None)
    assert (move.from_state, move.to_state) == ("new", "work")


def test_a_move_the_graph_does_not_allow_is_a_409_listing_the_roles_moves_now() -> None:
    with pytest.raises(Conflict) as caught:
        sample().check_move("new", "done", role="admin", reason=None)
    assert caught.value.status == 409
    assert caught.value.extra == {"allowed": ["work", "void"]}


def test_the_allowed_list_of_a_409_holds_only_the_callers_moves() -> None:
    with pytest.raises(Conflict) as caught:
        sample().check_move("new", "done", role="customer", reason=None)
    assert caught.value.extra == {"allowed": ["void"]}


def test_a_move_to_an_unknown_state_is_a_409() -> None:
    with pytest.raises(Conflict):
        sample().check_move("new", "nowhere", role="admin", reason=None)


def test_a_move_from_an_unknown_state_is_a_409_with_nothing_allowed() -> None:
    with pytest.raises(Conflict) as caught:
        sample().check_move("limbo", "work", role="admin", reason=None)
    assert caught.value.extra == {"allowed": []}


def test_a_legal_move_by_a_role_not_listed_on_it_is_a_403() -> None:
    with pytest.raises(Forbidden) as caught:
        sample().check_move("new", "work", role="customer", reason=None)
    assert caught.value.status == 403


def test_admins_have_no_implicit_power_over_transitions_that_do_not_list_them() -> None:
    with pytest.raises(Forbidden):
        sample().check_move("work", "done", role="admin", reason=None)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_move_that_requires_a_reason_without_one_is_a_422_on_reason(reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        sample().check_move("work", "void", role="admin", reason=reason)
    assert [e.pointer for e in caught.value.errors] == ["/reason"]


def test_a_move_that_requires_a_reason_succeeds_with_one() -> None:
    move = sample().check_move("work", "void", role="admin", reason="patient withdrew")
    assert move.reason_required


def test_the_role_is_checked_before_the_reason() -> None:
    with pytest.raises(Forbidden):
        sample().check_move("work", "void", role="customer", reason=None)


def test_a_reopening_move_is_legal_for_a_role_it_lists() -> None:
    assert sample().check_move("done", "work", role="admin", reason=None).reopening


def test_moves_from_lists_every_move_without_a_role_and_the_roles_moves_with_one() -> None:
    workflow = sample()
    assert [t.to_state for t in workflow.moves_from("new")] == ["work", "void"]
    assert [t.to_state for t in workflow.moves_from("new", "customer")] == ["void"]


def test_looking_up_an_unknown_state_raises_key_error() -> None:
    with pytest.raises(KeyError):
        sample().state("limbo")


# --- cancelling ---------------------------------------------------------------


def test_cancel_target_is_the_roles_move_to_a_cancelled_state() -> None:
    move = sample().cancel_target("new", role="customer")
    assert (move.from_state, move.to_state) == ("new", "void")


def test_cancel_target_picks_the_first_listed_cancelling_move() -> None:
    assert LAB_REQUEST.cancel_target("New", role="admin").to_state == "Cancelled"


def test_cancel_target_is_a_403_listing_allowed_moves_when_only_other_roles_may_cancel() -> None:
    with pytest.raises(Forbidden) as caught:
        sample().cancel_target("new", role="supplier")
    assert caught.value.extra == {"allowed": ["work"]}


def test_a_closed_order_cannot_be_cancelled() -> None:
    with pytest.raises(Conflict):
        RSO_RECORD.cancel_target("Completed", role="customer")


# --- closing with an outcome --------------------------------------------------


def test_close_target_is_the_roles_move_to_a_state_of_that_outcome() -> None:
    move = sample().close_target("work", Outcome.COMPLETED, role="supplier")
    assert (move.from_state, move.to_state) == ("work", "done")


def test_close_target_is_a_403_when_only_other_roles_may_close_so() -> None:
    with pytest.raises(Forbidden) as caught:
        sample().close_target("work", Outcome.COMPLETED, role="customer")
    assert "complete" in caught.value.detail
    assert caught.value.extra == {"allowed": []}


def test_close_target_is_a_409_listing_allowed_moves_when_no_move_closes_so() -> None:
    with pytest.raises(Conflict) as caught:
        IMPILO_DEVICE.close_target("new", Outcome.COMPLETED, role="supplier")
    assert "cannot be completed" in caught.value.detail
    assert "processing" in caught.value.extra["allowed"]


def test_cancel_target_is_close_target_with_the_cancelled_outcome() -> None:
    for state, role in (("new", "customer"), ("new", "admin"), ("work", "admin")):
        assert sample().cancel_target(state, role=role) == sample().close_target(
            state, Outcome.CANCELLED, role=role
        )


# --- a target named twice -----------------------------------------------------


def test_a_move_may_name_its_target_by_its_name_too() -> None:
    sample().check_name("work", "Working")
    sample().check_name("work", None)


def test_a_name_that_is_not_the_targets_is_a_422_on_name() -> None:
    with pytest.raises(ValidationFailed) as caught:
        sample().check_name("work", "Done")
    assert [(e.pointer, "'Working'" in e.detail) for e in caught.value.errors] == [("/name", True)]


def test_a_target_that_is_no_state_is_left_to_the_move_check() -> None:
    sample().check_name("limbo", "Limbo")


# --- round trip ---------------------------------------------------------------


def test_to_definition_round_trips_through_parse_workflow() -> None:
    workflow = sample()
    assert parse_workflow(workflow.to_definition()) == workflow


def test_to_definition_survives_json() -> None:
    workflow = sample()
    assert parse_workflow(json.loads(json.dumps(workflow.to_definition()))) == workflow


# --- defaults -----------------------------------------------------------------


@pytest.mark.parametrize("workflow", DEFAULT_WORKFLOWS, ids=lambda w: w.key)
def test_each_default_round_trips_through_its_definition(workflow: Workflow) -> None:
    assert parse_workflow(workflow.to_definition()) == workflow


@pytest.mark.parametrize("workflow", DEFAULT_WORKFLOWS, ids=lambda w: w.key)
def test_each_default_has_exactly_one_initial_state_of_type_new(workflow: Workflow) -> None:
    initials = [s for s in workflow.to_definition()["states"] if s["initial"]]
    assert len(initials) == 1
    assert workflow.initial_state.type is StateType.NEW


@pytest.mark.parametrize("workflow", DEFAULT_WORKFLOWS, ids=lambda w: w.key)
def test_each_default_can_reach_a_completed_and_a_cancelled_state(workflow: Workflow) -> None:
    reached = reachable_from(workflow, workflow.initial)
    outcomes = {workflow.state(s).outcome for s in reached}
    assert {Outcome.COMPLETED, Outcome.CANCELLED} <= outcomes


def test_the_defaults_have_distinct_keys_and_include_the_tenant_default() -> None:
    keys = [w.key for w in DEFAULT_WORKFLOWS]
    assert sorted(keys) == sorted(set(keys))
    assert TENANT_DEFAULT_KEY == "impilo-device"
    assert default_workflow(TENANT_DEFAULT_KEY) is IMPILO_DEVICE


def test_an_unknown_default_key_raises_key_error() -> None:
    with pytest.raises(KeyError):
        default_workflow("no-such-workflow")


def test_the_defaults_exercise_a_move_that_requires_a_reason() -> None:
    assert any(t.reason_required for w in DEFAULT_WORKFLOWS for t in w.transitions)


def test_dental_lab_uses_the_rayteams_node_ids_from_the_seed() -> None:
    assert DENTAL_LAB.state("node_1669006551533").name == "Confirmed"
    assert DENTAL_LAB.state("node_1669006551572").name == "Wait Response"


def test_lab_request_codes_follow_labportal_request_state() -> None:
    codes = {s.id: s.code for s in LAB_REQUEST.states}
    assert codes["New"] == 0 and LAB_REQUEST.initial == "New"
    assert len(set(codes.values())) == len(codes)


def test_rso_record_uses_the_seed_status_strings_as_ids() -> None:
    assert [s.id for s in RSO_RECORD.states] == ["In progress", "Completed", "Cancelled"]
    assert RSO_RECORD.initial == "In progress"


def test_impilo_customers_may_cancel_before_shipping_but_not_after() -> None:
    for state in ("new", "reconfirmAddress", "processing"):
        assert IMPILO_DEVICE.cancel_target(state, role="customer").to_state == "cancelled"
    with pytest.raises(Conflict):
        IMPILO_DEVICE.cancel_target("shipped", role="customer")


def test_impilo_suppliers_drive_fulfilment_and_customers_do_not() -> None:
    IMPILO_DEVICE.check_move("processing", "shipped", role="supplier", reason=None)
    with pytest.raises(Forbidden):
        IMPILO_DEVICE.check_move("processing", "shipped", role="customer", reason=None)


def test_rso_completion_is_the_merchants_and_cancellation_the_customers() -> None:
    RSO_RECORD.check_move("In progress", "Completed", role="supplier", reason=None)
    RSO_RECORD.check_move("In progress", "Cancelled", role="customer", reason=None)
    with pytest.raises(Forbidden):
        RSO_RECORD.check_move("In progress", "Completed", role="customer", reason=None)
