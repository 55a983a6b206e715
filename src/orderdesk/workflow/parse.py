"""Reading a workflow definition document into a :class:`Workflow`, collecting every
problem (each named by a JSON Pointer into the document) into one 422."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, Generic, NamedTuple, TypeVar

from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.workflow.graph import (
    MAX_CODE,
    MAX_STATES,
    MAX_TEXT,
    MAX_TRANSITIONS,
    ROLES,
    Outcome,
    State,
    StateType,
    Transition,
    Workflow,
)
from orderdesk.workflow.vocabularies import declared_term_problem, phase_of

_WORKFLOW_KEYS = ("key", "name", "states", "transitions")
_STATE_KEYS = ("id", "name", "type", "initial", "outcome", "code", "terms")
_TRANSITION_KEYS = ("from", "to", "roles", "reason_required", "reopening")

_Path = tuple[str | int, ...]
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def _pointer(*parts: str | int) -> str:
    """A JSON Pointer (RFC 6901) from its reference tokens."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class _Problems:
    """Collects every problem so that one response can name them all."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, where: _Path, detail: str) -> None:
        self.errors.append(FieldError(detail=detail, pointer=_pointer(*where)))

    def count(self) -> int:
        return len(self.errors)


class _Parsed(NamedTuple, Generic[T]):
    """A parsed part and its position in the definition, to point back at it."""

    value: T
    position: int


_States = dict[str, _Parsed[State]]


def parse_workflow(definition: Mapping[str, Any]) -> Workflow:
    """Validate a definition document and build its workflow.

    Raises one ValidationFailed naming every offending part by JSON Pointer.
    """
    p = _Problems()
    if not isinstance(definition, Mapping):
        p.add((), "a workflow definition must be an object")
        raise _failure(p)
    _check_keys(definition, _WORKFLOW_KEYS, (), p)
    key = _text(definition, "key", (), p)
    name = _text(definition, "name", (), p)
    states, initials, states_ok = _parse_states(definition, p)
    transitions, transitions_ok = _parse_transitions(definition, states, p)
    if states_ok:
        # Whole-graph rules are judged only on a fully parsed graph, so that a
        # broken part does not resurface as a misleading "unreachable".
        initial = _check_initial(states, initials, p)
        _check_closed_exists(states, p)
        if initial is not None and transitions_ok:
            _check_paths(states, [t.value for t in transitions], initial, p)
    if p.errors or key is None or name is None:
        raise _failure(p)
    return Workflow(
        key=key,
        name=name,
        states=tuple(s.value for s in states.values()),
        transitions=tuple(t.value for t in transitions),
        initial=states[initials[0]].value.id,
    )


def _failure(p: _Problems) -> ValidationFailed:
    return ValidationFailed("the workflow definition is invalid", errors=p.errors)


def _check_keys(doc: Mapping[str, Any], allowed: tuple[str, ...], at: _Path, p: _Problems) -> None:
    for name in doc:
        if name not in allowed:
            p.add((*at, name), f"unknown field; allowed: {', '.join(allowed)}")


def _text(doc: Mapping[str, Any], name: str, at: _Path, p: _Problems) -> str | None:
    value = doc.get(name)
    if name not in doc:
        p.add((*at, name), "required")
    elif not isinstance(value, str) or not value.strip():
        p.add((*at, name), "must be a non-empty string")
    elif len(value) > MAX_TEXT:
        p.add((*at, name), f"must be at most {MAX_TEXT} characters")
    else:
        return value
    return None


def _flag(doc: Mapping[str, Any], name: str, at: _Path, p: _Problems) -> bool:
    value = doc.get(name, False)
    if not isinstance(value, bool):
        p.add((*at, name), "must be true or false")
        return False
    return value


def _choice(doc: Mapping[str, Any], name: str, enum: type[E], at: _Path, p: _Problems) -> E | None:
    if name not in doc:
        p.add((*at, name), "required")
        return None
    try:
        return enum(doc[name])
    except ValueError:
        p.add((*at, name), f"must be one of: {', '.join(e.value for e in enum)}")
        return None


def _list(doc: Mapping[str, Any], name: str, limit: int, p: _Problems) -> list[Any] | None:
    value = doc.get(name)
    if name not in doc:
        p.add((name,), "required")
    elif not isinstance(value, list):
        p.add((name,), "must be a list")
    elif len(value) > limit:
        p.add((name,), f"at most {limit} allowed; got {len(value)}")
    else:
        return value
    return None


def _parse_states(definition: Mapping[str, Any], p: _Problems) -> tuple[_States, list[str], bool]:
    """States by id, the ids marked initial, and whether every state parsed."""
    items = _list(definition, "states", MAX_STATES, p)
    if items is None:
        return {}, [], False
    before = p.count()
    states: _States = {}
    initials: list[str] = []
    first_of: dict[tuple[str, Any], int] = {}
    for index, item in enumerate(items):
        parsed = _parse_state(item, index, p)
        duplicate = False
        # Judged on the raw values, so a duplicate is named even when the
        # state is broken in other ways too.
        for field in ("id", "code") if isinstance(item, Mapping) else ():
            value = item.get(field)
            if value is None or isinstance(value, bool) or not isinstance(value, str | int):
                continue
            if (field, value) in first_of:
                other = first_of[(field, value)]
                p.add(("states", index, field), f"duplicates the {field} of /states/{other}")
                duplicate = True
            first_of.setdefault((field, value), index)
        if parsed is None or duplicate:
            continue
        state, initial = parsed
        states[state.id] = _Parsed(state, index)
        if initial:
            initials.append(state.id)
    return states, initials, p.count() == before


def _parse_state(item: Any, index: int, p: _Problems) -> tuple[State, bool] | None:
    at: _Path = ("states", index)
    if not isinstance(item, Mapping):
        p.add(at, "must be an object")
        return None
    before = p.count()
    _check_keys(item, _STATE_KEYS, at, p)
    state_id = _text(item, "id", at, p)
    name = _text(item, "name", at, p)
    kind = _choice(item, "type", StateType, at, p)
    initial = _flag(item, "initial", at, p)
    has_outcome = item.get("outcome") is not None
    outcome = _choice(item, "outcome", Outcome, at, p) if has_outcome else None
    if kind is StateType.CLOSED and not has_outcome:
        p.add((*at, "outcome"), "a CLOSED state needs an outcome: completed or cancelled")
    if kind not in (None, StateType.CLOSED) and has_outcome:
        p.add((*at, "outcome"), "only a CLOSED state has an outcome")
    code = item.get("code")
    if code is not None and (
        not isinstance(code, int) or isinstance(code, bool) or not 0 <= code <= MAX_CODE
    ):
        p.add((*at, "code"), f"must be an integer from 0 to {MAX_CODE}")
    terms = _terms(item, kind, outcome, at, p)
    if p.count() > before or state_id is None or name is None or kind is None:
        return None
    state = State(id=state_id, name=name, type=kind, outcome=outcome, code=code, terms=terms)
    return state, initial


def _terms(
    item: Mapping[str, Any],
    kind: StateType | None,
    outcome: Outcome | None,
    at: _Path,
    p: _Problems,
) -> tuple[tuple[str, str], ...]:
    """A state's declared terms: ``{vocabulary: word}``, each word fitting the state."""
    value = item.get("terms")
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        p.add((*at, "terms"), "must be an object: vocabulary -> status word")
        return ()
    if kind is None or (kind is StateType.CLOSED and outcome is None):
        return ()  # the type or outcome is already reported; the words cannot be judged
    phase = phase_of(kind, outcome)
    before = p.count()
    for vocabulary, word in value.items():
        problem = declared_term_problem(vocabulary, word, phase)
        if problem is not None:
            p.add((*at, "terms", str(vocabulary)), problem)
    return tuple(sorted(value.items())) if p.count() == before else ()


def _declared_ids(definition: Mapping[str, Any]) -> set[str]:
    # A state that failed other checks still declares its id, so that one
    # broken state does not also make every transition naming it "unknown".
    items = definition.get("states")
    if not isinstance(items, list):
        return set()
    return {i["id"] for i in items if isinstance(i, Mapping) and isinstance(i.get("id"), str)}


def _parse_transitions(
    definition: Mapping[str, Any], states: _States, p: _Problems
) -> tuple[list[_Parsed[Transition]], bool]:
    """Transitions in order, and whether every transition parsed."""
    items = _list(definition, "transitions", MAX_TRANSITIONS, p)
    if items is None:
        return [], False
    known = _declared_ids(definition)
    before = p.count()
    parsed: list[_Parsed[Transition]] = []
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        transition = _parse_transition(item, index, known, states, p)
        if transition is None:
            continue
        pair = (transition.from_state, transition.to_state)
        if pair in seen:
            p.add(("transitions", index), f"duplicates /transitions/{seen[pair]}")
            continue
        seen[pair] = index
        parsed.append(_Parsed(transition, index))
    return parsed, p.count() == before


def _parse_transition(
    item: Any, index: int, known: set[str], states: _States, p: _Problems
) -> Transition | None:
    at: _Path = ("transitions", index)
    if not isinstance(item, Mapping):
        p.add(at, "must be an object")
        return None
    before = p.count()
    _check_keys(item, _TRANSITION_KEYS, at, p)
    source = _text(item, "from", at, p)
    target = _text(item, "to", at, p)
    for end, state_id in (("from", source), ("to", target)):
        if state_id is not None and state_id not in known:
            p.add((*at, end), f"unknown state id {state_id!r}")
    if source is not None and source == target:
        p.add((*at, "to"), "a transition must lead to a different state")
    roles = _roles(item, at, p)
    reason_required = _flag(item, "reason_required", at, p)
    reopening = _flag(item, "reopening", at, p)
    if source in states:
        leaves_closed = states[source].value.closed
        if leaves_closed and not reopening:
            p.add((*at, "reopening"), "a move out of a CLOSED state must be reopening: true")
        if reopening and not leaves_closed:
            p.add((*at, "reopening"), "only a move out of a CLOSED state is reopening")
    if p.count() > before or source is None or target is None or roles is None:
        return None
    return Transition(source, target, roles, reason_required, reopening)


def _roles(item: Mapping[str, Any], at: _Path, p: _Problems) -> frozenset[str] | None:
    value = item.get("roles")
    if not isinstance(value, list) or not value:
        p.add((*at, "roles"), f"must be a non-empty list of: {', '.join(ROLES)}")
        return None
    ok = True
    for i, role in enumerate(value):
        if not isinstance(role, str) or role not in ROLES:
            p.add((*at, "roles", i), f"must be one of: {', '.join(ROLES)}")
            ok = False
        elif role in value[:i]:
            p.add((*at, "roles", i), f"{role!r} is listed twice")
            ok = False
    return frozenset(value) if ok else None


def _check_initial(states: _States, initials: list[str], p: _Problems) -> str | None:
    """The initial state's id when exactly one state is marked initial."""
    if len(initials) != 1:
        detail = f"exactly one state must be initial; found {len(initials)}"
        for state_id in initials:
            p.add(("states", states[state_id].position, "initial"), detail)
        if not initials:
            p.add(("states",), detail)
        return None
    initial = states[initials[0]]
    if initial.value.type is not StateType.NEW:
        p.add(("states", initial.position, "type"), "the initial state must be of type NEW")
    return initial.value.id


def _check_closed_exists(states: _States, p: _Problems) -> None:
    if not any(s.value.closed for s in states.values()):
        p.add(("states",), "at least one state must be of type CLOSED")


def _check_paths(states: _States, edges: list[Transition], initial: str, p: _Problems) -> None:
    """Every state is reachable from the initial one, and can reach a CLOSED one."""
    forward: dict[str, list[str]] = {}
    backward: dict[str, list[str]] = {}
    for t in edges:
        forward.setdefault(t.from_state, []).append(t.to_state)
        backward.setdefault(t.to_state, []).append(t.from_state)
    reachable = _closure([initial], forward)
    finishing = _closure([s.value.id for s in states.values() if s.value.closed], backward)
    for state, index in states.values():
        if state.id not in reachable:
            p.add(("states", index), f"state {state.id!r} cannot be reached from the initial state")
        elif state.id not in finishing:
            p.add(("states", index), f"no CLOSED state can be reached from {state.id!r}")


def _closure(start: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
