"""Workflows as data: a graph of order states and the moves allowed between them.

A workflow is parsed once from its definition document (JSON or YAML) and is
immutable afterwards. Whether an order may move is a pure function of the
graph, the caller's role and the reason given, so it needs no database and
every surface (native API, compatibility adapters, dashboard) asks the same
question the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any

from orderdesk.errors import Conflict, FieldError, Forbidden, ValidationFailed

ROLES: tuple[str, ...] = ("admin", "customer", "supplier")
MAX_TEXT = 100
MAX_STATES = 100
MAX_TRANSITIONS = 500
MAX_CODE = 2**31 - 1  # labPortal's RequestState is a .NET enum (Int32)


class StateType(StrEnum):
    NEW = "NEW"
    INPROGRESS = "INPROGRESS"
    CLOSED = "CLOSED"


class Outcome(StrEnum):
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class State:
    id: str
    name: str
    type: StateType
    outcome: Outcome | None = None
    code: int | None = None
    #: What vocabularies call it, where the workflow says (vocabulary, word); see
    #: ``workflow.vocabularies`` for how the others are derived.
    terms: tuple[tuple[str, str], ...] = ()

    @property
    def closed(self) -> bool:
        return self.type is StateType.CLOSED


@dataclass(frozen=True)
class Transition:
    from_state: str
    to_state: str
    roles: frozenset[str]
    reason_required: bool = False
    reopening: bool = False


@dataclass(frozen=True)
class Workflow:
    """A validated workflow; build one with :func:`parse_workflow`."""

    key: str
    name: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str

    @cached_property
    def _states_by_id(self) -> dict[str, State]:
        return {state.id: state for state in self.states}

    @cached_property
    def _transitions_by_pair(self) -> dict[tuple[str, str], Transition]:
        return {(t.from_state, t.to_state): t for t in self.transitions}

    def state(self, state_id: str) -> State:
        """The state with this id; KeyError if the workflow has none."""
        return self._states_by_id[state_id]

    @property
    def initial_state(self) -> State:
        return self.state(self.initial)

    def moves_from(self, state_id: str, role: str | None = None) -> list[Transition]:
        """Transitions out of ``state_id`` in definition order; only ``role``'s if given."""
        return [
            t
            for t in self.transitions
            if t.from_state == state_id and (role is None or role in t.roles)
        ]

    def allowed_targets(self, state_id: str, role: str) -> list[str]:
        """Ids of the states ``role`` may move an order in ``state_id`` to now."""
        return [t.to_state for t in self.moves_from(state_id, role)]

    def check_move(
        self, from_state: str, to_state: str, *, role: str, reason: str | None
    ) -> Transition:
        """The transition for this move, or the error that explains why it is refused."""
        transition = self._transitions_by_pair.get((from_state, to_state))
        if transition is None:
            raise _illegal(
                f"cannot move from {from_state!r} to {to_state!r}",
                self.allowed_targets(from_state, role),
            )
        if role not in transition.roles:
            raise Forbidden(
                f"role {role!r} may not move from {from_state!r} to {to_state!r}",
                extra={"allowed": self.allowed_targets(from_state, role)},
            )
        if transition.reason_required and not (reason and reason.strip()):
            raise ValidationFailed(
                f"moving from {from_state!r} to {to_state!r} needs a reason",
                errors=[FieldError(detail="required: a non-empty reason", pointer="/reason")],
            )
        return transition

    def close_target(self, from_state: str, outcome: Outcome, *, role: str) -> Transition:
        """The first listed move ``role`` may take now to a closed state of ``outcome``.

        Like ``check_move``: 403 when such a move exists but for other roles, 409 when
        the order cannot be closed with that outcome from here at all."""
        closing = [
            t for t in self.moves_from(from_state) if self.state(t.to_state).outcome is outcome
        ]
        for transition in closing:
            if role in transition.roles:
                return transition
        if closing:
            raise Forbidden(
                f"role {role!r} may not {_VERBS[outcome]} an order in {from_state!r}",
                extra={"allowed": self.allowed_targets(from_state, role)},
            )
        raise _illegal(
            f"an order in {from_state!r} cannot be {outcome.value}",
            self.allowed_targets(from_state, role),
        )

    def cancel_target(self, from_state: str, *, role: str) -> Transition:
        """The first listed move ``role`` may take now to a cancelled state."""
        return self.close_target(from_state, Outcome.CANCELLED, role=role)

    def check_name(self, state_id: str, name: str | None) -> None:
        """A move may name its target twice, by id and by name; the name must be the
        state's. (A target that is no state of the workflow is ``check_move``'s to refuse.)"""
        named = self._states_by_id.get(state_id)
        if named is None or name is None or name == named.name:
            return
        raise ValidationFailed(
            f"status {named.id!r} is titled {named.name!r}, not {name!r}",
            errors=[
                FieldError(
                    f"must be {named.name!r}, the title of status {named.id!r}, or omitted",
                    pointer="/name",
                )
            ],
        )

    def to_definition(self) -> dict[str, Any]:
        """The definition document; ``parse_workflow`` of it gives an equal workflow."""
        return {
            "key": self.key,
            "name": self.name,
            "states": [
                {
                    "id": s.id,
                    "name": s.name,
                    "type": s.type.value,
                    "initial": s.id == self.initial,
                    "outcome": s.outcome.value if s.outcome else None,
                    "code": s.code,
                    **({"terms": dict(s.terms)} if s.terms else {}),
                }
                for s in self.states
            ],
            "transitions": [
                {
                    "from": t.from_state,
                    "to": t.to_state,
                    "roles": [role for role in ROLES if role in t.roles],
                    "reason_required": t.reason_required,
                    "reopening": t.reopening,
                }
                for t in self.transitions
            ],
        }


#: What closing with each outcome is called in an error message.
_VERBS = {Outcome.COMPLETED: "complete", Outcome.CANCELLED: "cancel"}


def _illegal(detail: str, allowed: list[str]) -> Conflict:
    listed = ", ".join(repr(a) for a in allowed) if allowed else "none"
    return Conflict(f"{detail}; moves allowed now: {listed}", extra={"allowed": allowed})
