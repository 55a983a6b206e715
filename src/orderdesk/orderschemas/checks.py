"""What an order schema must be to be saved: in bounds, valid draft 2020-12, patterns RE2 takes."""

from __future__ import annotations

import json
from typing import Any, NoReturn

from jsonschema.exceptions import SchemaError

from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.orderschemas.limits import MAX_SCHEMA_BYTES, MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES
from orderdesk.orderschemas.patterns import reason
from orderdesk.orderschemas.validator import OrderDataValidator, json_pointer


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse (422, pointing into the request body) a schema orders could not be checked with."""
    _check_bounds(schema)
    try:
        OrderDataValidator.check_schema(schema, format_checker=OrderDataValidator.FORMAT_CHECKER)
    except SchemaError as error:
        raise ValidationFailed(
            "not a valid JSON Schema (draft 2020-12)",
            errors=[FieldError(_detail(error), pointer="/schema" + json_pointer(_where(error)))],
        ) from error


def _where(error: SchemaError) -> list[Any]:
    path = list(error.absolute_path)
    # patternProperties keys are checked through propertyNames, which adds no path: add the key.
    if list(error.relative_schema_path)[-2:] == ["propertyNames", "format"]:
        path.append(error.instance)
    return path


def _detail(error: SchemaError) -> str:
    if error.validator == "format" and error.validator_value == "regex":
        why = reason(error.cause) if error.cause else "not a regex"
        return (
            f"RE2 cannot take pattern {error.instance!r}: {why} (patterns must match in linear "
            "time, so backreferences and lookaround are not supported)"
        )
    return error.message


def _check_bounds(schema: dict[str, Any]) -> None:
    """Refuse a schema past the bounds before anything walks it recursively."""
    deepest, nodes = 0, 0
    stack: list[tuple[Any, int]] = [(schema, 1)]
    while stack and deepest <= MAX_SCHEMA_DEPTH and nodes <= MAX_SCHEMA_NODES:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest, nodes = max(deepest, depth), nodes + 1
            stack.extend(
                (v, depth + 1) for v in (value.values() if isinstance(value, dict) else value)
            )
    if deepest > MAX_SCHEMA_DEPTH:
        _too_big(f"objects and arrays nest more than {MAX_SCHEMA_DEPTH} deep")
    if nodes > MAX_SCHEMA_NODES:
        _too_big(f"more than {MAX_SCHEMA_NODES} objects and arrays")
    compact = json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    size = len(compact.encode("utf-8", "surrogatepass"))  # JSON strings may hold lone surrogates
    if size > MAX_SCHEMA_BYTES:
        _too_big(f"{size} bytes as compact JSON; at most {MAX_SCHEMA_BYTES}")


def _too_big(detail: str) -> NoReturn:
    raise ValidationFailed(
        "the schema exceeds the bounds on order schemas",
        errors=[FieldError(detail, pointer="/schema")],
    )
