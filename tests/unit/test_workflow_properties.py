"""Properties of the workflow engine over random valid workflows and random moves."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from orderdesk.errors import Conflict, Forbidden, OrderdeskError, ValidationFailed
from orderdesk.workflow import ROLES, Outcome, StateType, Workflow, parse_workflow

UNKNOWN = "?unknown"  # cannot collide: generated ids are letters only

roles = st.sampled_from(ROLES)
reasons = st.one_of(st.none(), st.just(""), st.just("  "), st.text(max_size=8))


@st.composite
def workflow_definitions(draw: st.DrawFn) -> dict[str, Any]:
    """Valid definitions: a spanning tree from the initial state makes every
    state reachable, and a move from every open state to a closed one makes
    every order able to end; random extra moves (reopening ones included)
    are added on top."""
    ids = draw(
        st.lists(
            st.text(string.ascii_letters, min_size=1, max_size=6),
            min_size=2,
            max_size=8,
            unique=True,
        )
    )
    kinds = [StateType.NEW] + [draw(st.sampled_from(StateType)) for _ in ids[1:]]
    if StateType.CLOSED not in kinds:
        kinds[-1] = StateType.CLOSED
    closed = [i for i, kind in enumerate(kinds) if kind is StateType.CLOSED]
    open_ = [i for i, kind in enumerate(kinds) if kind is not StateType.CLOSED]

    pairs: list[tuple[int, int]] = []
    for i in range(1, len(ids)):
        pairs.append((draw(st.sampled_from([j for j in open_ if j < i])), i))
    pairs += [(i, draw(st.sampled_from(closed))) for i in open_]
    index = st.integers(0, len(ids) - 1)
    pairs += draw(st.lists(st.tuples(index, index).filter(lambda p: p[0] != p[1]), max_size=6))

    states = [
        {
            "id": ids[i],
            "name": f"State {ids[i]}",
            "type": kind.value,
            "initial": i == 0,
            "outcome": draw(st.sampled_from(Outcome)).value if kind is StateType.CLOSED else None,
        }
        for i, kind in enumerate(kinds)
    ]
    transitions = [
        {
            "from": ids[a],
            "to": ids[b],
            "roles": draw(st.lists(roles, min_size=1, unique=True)),
            "reason_required": draw(st.booleans()),
            "reopening": kinds[a] is StateType.CLOSED,
        }
        for a, b in dict.fromkeys(pairs)  # unique pairs, first-seen order
    ]
    return {"key": "generated", "name": "Generated", "states": states, "transitions": transitions}


def expected_failure(doc: dict[str, Any], source: str, target: str, role: str, reason: Any) -> Any:
    """What the definition document says should stop this move (None if nothing)."""
    found = [t for t in doc["transitions"] if (t["from"], t["to"]) == (source, target)]
    if not found:
        return Conflict
    if role not in found[0]["roles"]:
        return Forbidden
    if found[0]["reason_required"] and not (reason and reason.strip()):
        return ValidationFailed
    return None


class OrderFollowsItsWorkflow(RuleBasedStateMachine):
    """A simulated order: its current state and its timeline of {from, to} events."""

    doc: dict[str, Any]
    workflow: Workflow
    current: str
    timeline: list[dict[str, str]]

    @initialize(doc=workflow_definitions())
    def create_order(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.workflow = parse_workflow(doc)
        self.current = self.workflow.initial
        self.timeline = []

    def attempt(self, target: str, role: str, reason: str | None) -> None:
        before = len(self.timeline)
        expected = expected_failure(self.doc, self.current, target, role, reason)
        try:
            move = self.workflow.check_move(self.current, target, role=role, reason=reason)
        except OrderdeskError as error:
            assert expected is not None and isinstance(error, expected), error
            if isinstance(error, Conflict):
                assert error.extra["allowed"] == [
                    t["to"]
                    for t in self.doc["transitions"]
                    if t["from"] == self.current and role in t["roles"]
                ]
        else:
            assert expected is None
            self.timeline.append({"from": move.from_state, "to": move.to_state})
            self.current = move.to_state
        assert len(self.timeline) == before + (expected is None)

    @rule(data=st.data(), role=roles, reason=reasons)
    def move_to_any_state(self, data: st.DataObject, role: str, reason: str | None) -> None:
        ids = [s.id for s in self.workflow.states]
        self.attempt(data.draw(st.sampled_from([*ids, UNKNOWN])), role, reason)

    @rule(data=st.data(), role=roles, reason=reasons)
    def move_along_the_graph(self, data: st.DataObject, role: str, reason: str | None) -> None:
        targets = [t.to_state for t in self.workflow.moves_from(self.current)]
        if targets:
            self.attempt(data.draw(st.sampled_from(targets)), role, reason)

    @rule(role=roles, reason=reasons)
    def cancel(self, role: str, reason: str | None) -> None:
        try:
            move = self.workflow.cancel_target(self.current, role=role)
        except (Conflict, Forbidden):
            assert not any(
                self.workflow.state(t.to_state).outcome is Outcome.CANCELLED
                for t in self.workflow.moves_from(self.current, role)
            )
            return
        assert move.from_state == self.current
        assert self.workflow.state(move.to_state).outcome is Outcome.CANCELLED
        self.attempt(move.to_state, role, reason)

    @invariant()
    def current_state_is_a_state_of_the_graph(self) -> None:
        assert self.workflow.state(self.current)

    @invariant()
    def replaying_the_timeline_from_the_initial_state_yields_the_current_state(self) -> None:
        state = self.workflow.initial
        for event in self.timeline:
            assert event["from"] == state
            assert event["to"] in [t.to_state for t in self.workflow.moves_from(state)]
            state = event["to"]
        assert state == self.current


OrderFollowsItsWorkflow.TestCase.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None
)
TestOrderFollowsItsWorkflow = OrderFollowsItsWorkflow.TestCase


@settings(max_examples=50, deadline=None)
@given(workflow_definitions())
def test_every_generated_workflow_round_trips_through_its_definition(doc: dict[str, Any]) -> None:
    workflow = parse_workflow(doc)
    assert parse_workflow(workflow.to_definition()) == workflow


@settings(max_examples=50, deadline=None)
@given(workflow_definitions(), st.data())
def test_pointing_any_transition_at_an_unknown_state_is_named_by_its_pointer(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(doc["transitions"]) - 1))
    doc["transitions"][index]["to"] = UNKNOWN
    try:
        parse_workflow(doc)
    except ValidationFailed as error:
        assert f"/transitions/{index}/to" in [e.pointer for e in error.errors]
    else:
        raise AssertionError("a transition to an unknown state was accepted")
