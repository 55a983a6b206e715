"""Building blocks every area's schemas share, and the documented upper bounds."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# Upper bounds, documented in the README and the OpenAPI document.
NAME_MAX = 200
TEXT_MAX = 10_000
CODE_MAX = 100
LIST_MAX = 100
DATA_KEYS_MAX = 200
ID_MAX = 2**63 - 1  # ids are 64-bit; a larger number can name nothing
INT32_MAX = 2**31 - 1  # what a 32-bit column (workflow version numbers) holds
DEPTH_MAX = 32  # objects and arrays nested in a body (``data``, workflow definitions...)
#: A character XML 1.0 cannot carry: NUL and other controls but tab, LF and CR, U+FFFE,
#: U+FFFF, lone surrogates. PostgreSQL cannot store NUL, UTF-8 cannot encode a surrogate.
NOT_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
TEXT_RULE = "no NUL, control characters (but tab, LF, CR), U+FFFE, U+FFFF or lone surrogates"


def or_empty(value: str | None) -> str:
    """A string a vendor's document always shows: ``""`` where there is no value."""
    return "" if value is None else value


def sayable(text: str) -> str:
    """``text`` with each character XML 1.0 cannot carry written as U+FFFD."""
    return NOT_TEXT.sub("\ufffd", text)


#: What a required text must hold once trimmed: a character that is not whitespace. Said in
#: the schema too, so the document does not call a value of blanks ("\r") valid.
SAID = r"\S"

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX, pattern=SAID)
]
ShortText = Annotated[str, StringConstraints(max_length=NAME_MAX)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CODE_MAX, pattern=SAID)
]
#: A name stored in a 100-character column (patient names, credential names).
ShortName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CODE_MAX, pattern=SAID)
]
LongText = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
]
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Count = Annotated[int, Field(ge=1, le=1_000_000)]


def storable(value: dt.datetime) -> bool:
    """An aware time within years 1 to 9999 once in UTC: what both databases bind."""
    if value.tzinfo is None:
        return False
    try:
        value.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:59-14:00 is past year 9999 in UTC
        return False
    return True


def _instant(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:  # a time without a zone is UTC (naive would not bind)
        value = value.replace(tzinfo=dt.UTC)
    if not storable(value):
        raise ValueError("must be within years 1 to 9999 once converted to UTC")
    return value


#: A point in time as a filter or bound: without a zone it is UTC; years 1..9999 in UTC.
Instant = Annotated[dt.datetime, AfterValidator(_instant)]


def _finite(value: Any) -> Any:
    """JSON has no NaN or Infinity; Python's parser lets them in, so keep them out here."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("numbers must be finite (no NaN or Infinity)")
    if isinstance(value, dict):
        for item in value.values():
            _finite(item)
    elif isinstance(value, list):
        for item in value:
            _finite(item)
    return value


CustomData = Annotated[dict[str, Any], Field(max_length=DATA_KEYS_MAX), AfterValidator(_finite)]


class Input(BaseModel):
    """Request bodies: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Fields ``not_null`` guards are documented without ``null``: it is refused."""
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for validator in cls.__pydantic_decorators__.field_validators.values():
            if getattr(validator.func, "refuses_null", False):
                for name in validator.info.fields:
                    _drop_null(properties.get(name, {}))
        return schema


def _drop_null(prop: dict[str, Any]) -> None:
    branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        prop.update(branches[0])
    elif branches:
        prop["anyOf"] = branches


def not_null(*fields: str) -> Any:
    """For PATCH bodies: these fields may be omitted, but ``null`` cannot clear them.

    Use as ``_required = not_null("name", ...)`` in an update schema.
    """

    def reject_null(cls: type[BaseModel], value: Any) -> Any:
        if value is None:
            raise ValueError("may be omitted, but not null: this field always has a value")
        return value

    reject_null.refuses_null = True  # type: ignore[attr-defined]  # read by Input's JSON schema
    return field_validator(*fields)(reject_null)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Address(Input):
    line_one: ShortText | None = None
    line_two: ShortText | None = None
    line_three: ShortText | None = None
    city: ShortText | None = None
    state: ShortText | None = None
    zip_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    country: ShortText | None = None
    note: ShortText | None = None
    email: Email | None = Field(
        default=None, description="A contact or payment email for this address (e.g. PayPal)"
    )


class AddressOut(Output):
    line_one: str | None = None
    line_two: str | None = None
    line_three: str | None = None
    city: str | None = None
    state: str | None = None
    zip_code: str | None = None
    country: str | None = None
    note: str | None = None
    email: str | None = None


class Timestamped(Output):
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


def address_dict(address: Address | None) -> dict[str, Any] | None:
    return None if address is None else address.model_dump(exclude_none=True)


def apply_changes(obj: Any, data: BaseModel, *, exclude: frozenset[str] = frozenset()) -> None:
    """Set on ``obj`` the fields a PATCH names; addresses are stored without empty lines."""
    for name in data.model_fields_set - exclude:
        value = getattr(data, name)
        if isinstance(value, Address):
            value = address_dict(value)
        elif isinstance(value, BaseModel):
            value = value.model_dump()
        setattr(obj, name, value)
