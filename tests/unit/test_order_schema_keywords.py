"""The rewritten keywords answer as jsonschema's own (on patterns both engines read alike)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from orderdesk.orderschemas.validator import OrderDataValidator

TUBES = {"^tube-[0-9]+$": {"type": "string"}, "^x-": {"type": "integer"}}

SCHEMAS: list[dict[str, Any]] = [
    {"properties": {"code": {"pattern": "^[A-Z]{2}-[0-9]{4}$"}}},
    {"patternProperties": TUBES},
    {"patternProperties": TUBES, "additionalProperties": False},
    {"properties": {"a": {}}, "patternProperties": TUBES, "additionalProperties": {"type": "null"}},
    {"properties": {"a": {}}, "additionalProperties": False},
    {"patternProperties": TUBES, "unevaluatedProperties": False},
    {"allOf": [{"patternProperties": TUBES}], "unevaluatedProperties": False},
    {
        "$defs": {"tubes": {"patternProperties": TUBES}},
        "$ref": "#/$defs/tubes",
        "unevaluatedProperties": {"type": "boolean"},
    },
    {
        "if": {"required": ["a"]},
        "then": {"patternProperties": {"^x-": True}},
        "else": {"properties": {"b": True}},
        "unevaluatedProperties": False,
    },
    {
        "dependentSchemas": {"a": {"patternProperties": {"^tube-": True}}},
        "anyOf": [{"properties": {"b": True}}, {"patternProperties": {"b$": True}}],
        "unevaluatedProperties": False,
    },
    {"propertyNames": {"pattern": "^[a-z-]+$"}},
    {"anyOf": [{"required": ["a"]}, {"patternProperties": TUBES, "minProperties": 2}]},
    {"oneOf": [{"required": ["a"]}, {"required": ["b"]}, {"properties": {"a": {"type": "null"}}}]},
    {"additionalProperties": {"oneOf": [{"type": "integer"}, {"minimum": 0}, {"type": "string"}]}},
    {"anyOf": [{"patternProperties": {"^x": True}}], "unevaluatedProperties": False},
    {"additionalProperties": {"additionalProperties": False, "patternProperties": TUBES}},
]

KEYS = st.sampled_from(["a", "b", "tube-1", "tube-x", "x-1", "x-", "A-b", "code", "sub"])
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "AB-1234", "ab-1234", "z"])
)
VALUES = st.recursive(LEAVES, lambda inner: st.dictionaries(KEYS, inner, max_size=4), max_leaves=8)


def _answers(validator: Any, instance: Any) -> list[tuple[list[Any], str]]:
    return sorted((list(e.absolute_path), e.message) for e in validator.iter_errors(instance))


@pytest.mark.parametrize("schema", SCHEMAS)
@settings(max_examples=60, deadline=None)
@given(instance=st.dictionaries(KEYS, VALUES, max_size=5))
def test_the_re2_validator_answers_as_jsonschemas_own(schema, instance):
    ours, theirs = OrderDataValidator(schema), Draft202012Validator(schema)
    assert _answers(ours, instance) == _answers(theirs, instance)


ITEMS = st.recursive(
    st.one_of(LEAVES, st.sampled_from([1.0, 0.0, -0.0, 2.5, 1, 0, 10**20, 1e20])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(instance=st.lists(ITEMS, max_size=6))
def test_unique_items_answers_as_jsonschemas_own(instance):
    schema = {"uniqueItems": True}
    ours, theirs = OrderDataValidator(schema), Draft202012Validator(schema)
    assert _answers(ours, instance) == _answers(theirs, instance)


@pytest.mark.parametrize(
    ("items", "unique"),
    [
        ([1, True], True),
        ([0, False], True),
        ([1, 1.0], False),
        ([[1], [True]], True),
        ([{"a": 1}, {"a": 1.0}], False),
        ([{"a": [0]}, {"a": [False]}], True),
        ([None, "null", 0, ""], True),
        ([k * (2**61 - 1) for k in range(1, 50)], True),  # equal hashes, distinct values
    ],
)
def test_unique_items_compares_as_json_schema_does(items, unique):
    assert OrderDataValidator({"uniqueItems": True}).is_valid(items) is unique


@pytest.mark.parametrize(
    ("validator", "cyclic"), [(OrderDataValidator, False), (Draft202012Validator, True)]
)
def test_failing_branches_leave_no_cycles_for_the_garbage_collector(validator, cyclic):
    """A full collection over cyclic errors paused every thread for up to a second."""
    schema = {"anyOf": [{"type": "string"}, {"oneOf": [{"type": "string"}, {"minimum": 9}]}]}
    gc.collect()
    gc.disable()
    try:
        assert len(list(validator(schema).iter_errors(7))) == 1
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, ValidationError)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert bool(left) is cyclic
