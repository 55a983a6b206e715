"""What an order schema must be to be saved: valid draft 2020-12 whose patterns RE2 takes."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import SchemaError

from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.orderschemas.patterns import reason
from orderdesk.orderschemas.validator import OrderDataValidator, json_pointer


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse (422, pointing into the request body) a schema orders could not be checked with."""
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
