"""Schemathesis hooks for the contract run (its config names this file).

Two things the document says that schemathesis cannot read on its own:

- form bodies use bracket notation for nesting (``shipping_address[city]=Boston``, the
  API's description), where schemathesis would send nested values flattened away;
- a 422 (400 on Impilo and RSO) is also how the API refuses what a schema cannot state:
  an id that names no supplier, a cursor it did not issue, an admin key that must name
  the account. Only the refusals of the request's own validation (``INVALID_FIELDS``),
  the documented schemas as FastAPI enforces them, show the document is looser than
  the code; ``positive_data_passes_validation`` fails on those;
- JSON scalars are read leniently (pydantic's lax mode: ``1`` for ``true``, ``true`` for
  ``1``, ``0.5`` for a date-time), as form bodies need (they carry only strings): a
  scalar of another type alone is no refusal the API promises, so
  ``negative_data_rejected`` lets those pass and checks every other negative case.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import schemathesis
from schemathesis.core.mutations import OperatorKind
from schemathesis.generation.meta import CoverageScenario
from schemathesis.specs.openapi.checks import negative_data_rejection

from orderdesk.http.routing import INVALID_FIELDS

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _fields(value: Any, name: str) -> list[tuple[str, str]] | None:
    """``value`` as bracketed form fields under ``name``; None where a form cannot carry it."""
    if isinstance(value, dict):
        # The form parser reads all-digit keys as list positions, and brackets as nesting.
        if not value or all(k.isdigit() for k in value):
            return None
        out: list[tuple[str, str]] = []
        for key, item in value.items():
            if not key or "[" in key or "]" in key:
                return None
            sub = _fields(item, f"{name}[{key}]" if name else key)
            if sub is None:
                return None
            out += sub
        return out
    if isinstance(value, list):
        out = []
        for index, item in enumerate(value):
            sub = _fields(item, f"{name}[{index}]")
            if sub is None:
                return None
            out += sub
        return out or None
    if value is None:
        return None
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    return [(name, str(value))]


def _form_fields(case: Any) -> list[tuple[str, str]] | None:
    """The body as a form, if a form can say what it means (only positive data: a form
    carries only strings, so a negative case's wrong types would turn valid in it)."""
    positive = case.meta is None or case.meta.generation.mode.is_positive
    return _fields(case.body, "") if positive and isinstance(case.body, dict) else None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A body a form cannot carry (null, empty lists and objects, the wrong types of a
    negative case) goes as JSON, which every body also takes."""
    if case.media_type == FORM and _form_fields(case) is None:
        case.media_type = JSON
        if case.headers and "Content-Type" in case.headers:
            case.headers["Content-Type"] = JSON


@schemathesis.serializer(FORM)
def bracketed_form(ctx: Any, value: Any) -> bytes:
    return urlencode(_form_fields(ctx.case) or []).encode()


@schemathesis.check
def positive_data_passes_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schema-valid data is never refused by the request's validation of its own schemas."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 422):
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    said = body.get("detail") or body.get("message") if isinstance(body, dict) else None
    if said == INVALID_FIELDS:
        raise AssertionError(f"schema-valid data refused by the request validation: {body}")
    return None


def _only_retyped_scalars(case: Any) -> bool:
    data = case.meta.phase.data
    if getattr(data, "scenario", None) == CoverageScenario.INCORRECT_TYPE:
        return True
    mutations = getattr(data, "mutations", ())
    return bool(mutations) and all(
        m.operator == OperatorKind.CHANGE_TYPE and not isinstance(m.new_value, dict | list)
        for m in mutations
    )


@schemathesis.check
def negative_data_rejected(ctx: Any, response: Any, case: Any) -> bool | None:
    """The built-in ``negative_data_rejection``, but for scalars the API reads leniently."""
    if case.meta is not None and _only_retyped_scalars(case):
        return None
    return negative_data_rejection(ctx, response, case)
