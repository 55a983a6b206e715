"""Keyset (cursor) pagination shared by every list.

A cursor is opaque to clients: base64 of the sort key and the last row's
values, so a page costs the same at row one million as at row one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from orderdesk.errors import BadRequest, FieldError, ValidationFailed
from orderdesk.schemas import NOT_TEXT, storable

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None

    def with_items(self, items: Sequence[Any]) -> Page[Any]:
        return Page(items=items, next_cursor=self.next_cursor)


@dataclass(frozen=True)
class SortSpec:
    """``sort`` is a column name, ``-name`` for descending."""

    name: str
    descending: bool

    @classmethod
    def parse(cls, raw: str, allowed: Mapping[str, Any]) -> SortSpec:
        name = raw.removeprefix("-")
        if name not in allowed:
            options = ", ".join(sorted(allowed)) + " (prefix - for descending)"
            raise ValidationFailed(
                "unknown sort", errors=[FieldError(f"must be one of {options}", parameter="sort")]
            )
        return cls(name=name, descending=raw.startswith("-"))


def _encode(sort: SortSpec, value: Any, ident: int) -> str:
    if isinstance(value, dt.datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps({"s": sort.name, "d": sort.descending, "v": value, "i": ident})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _fits(value: Any, python_type: type) -> bool:
    """A cursor value the database can compare with a column of ``python_type``."""
    if isinstance(value, bool) or not isinstance(value, python_type):
        return False
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, dt.datetime):
        return storable(value)
    if isinstance(value, str):
        return not NOT_TEXT.search(value)
    return True


def _python_type(column: InstrumentedAttribute[Any]) -> type:
    column_type = getattr(column.type, "impl", column.type)  # see through TypeDecorators
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return object
    # Only the types a cursor carries as they are; anything else is not checked.
    return python_type if python_type in (int, str, dt.datetime) else object


def _decode(cursor: str, sort: SortSpec, python_type: type = object) -> tuple[Any, int]:
    # A cursor this list did not give out is a malformed request, not a rule broken: 400.
    bad = BadRequest(
        "invalid cursor",
        errors=[
            FieldError(
                "must be a `next` cursor from this list, with the same sort", parameter="cursor"
            )
        ],
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        if data["s"] != sort.name or data["d"] != sort.descending:
            raise bad
        value = data["v"]
        if isinstance(value, dict):
            value = dt.datetime.fromisoformat(value["dt"])
        ident = data["i"]
        if not (_fits(value, python_type) and _fits(ident, int)):
            raise bad  # a hand-made cursor must not reach the database as a wrong type
        return value, ident
    except (binascii.Error, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise bad from exc


async def paginate(
    session: AsyncSession,
    stmt: Select[T],
    *,
    id_column: InstrumentedAttribute[int],
    sort_columns: Mapping[str, InstrumentedAttribute[Any]],
    sort: str,
    cursor: str | None,
    limit: int,
) -> Page[T]:
    spec = SortSpec.parse(sort, sort_columns)
    column = sort_columns[spec.name]
    if cursor:
        value, last_id = _decode(cursor, spec, _python_type(column))
        if column is id_column:
            stmt = stmt.where(id_column < last_id if spec.descending else id_column > last_id)
        elif spec.descending:
            stmt = stmt.where(or_(column < value, and_(column == value, id_column < last_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, id_column > last_id)))
    if spec.descending:
        stmt = stmt.order_by(column.desc(), id_column.desc())
    else:
        stmt = stmt.order_by(column.asc(), id_column.asc())
    rows = list((await session.scalars(stmt.limit(limit + 1))).unique())
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    last = rows[limit - 1]
    last_value = getattr(last, column.key)
    return Page(
        items=rows[:limit], next_cursor=_encode(spec, last_value, getattr(last, id_column.key))
    )


def where_given(stmt: Select[T], *filters: tuple[Any, Any]) -> Select[T]:
    """``column == value`` for each filter whose value the caller gave (not None)."""
    for column, value in filters:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
