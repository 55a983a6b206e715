"""The RE2 keywords answer exactly as jsonschema's own, on patterns both engines read alike."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

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
