"""What every list route shares: paging parameters and the ``{items, next}`` answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from orderdesk.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from orderdesk.schemas import ID_MAX

T = TypeVar("T")


class ListPage(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(description="URL of the next page, or null on the last page")


class Paging(BaseModel):
    """Which page a list route asks its area's query for."""

    limit: int
    cursor: str | None
    sort: str


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}")]
Cursor = Annotated[str | None, Query(max_length=1000, description="`next` of the previous page")]


def sorted_by(*fields: str) -> Callable[..., Paging]:
    """The paging parameters of a list sortable by ``fields`` (``-field`` for descending).

    The choices are documented; ``Paging.fetch`` checks them against the list's columns.
    """
    choices = [f"{prefix}{name}" for name in fields for prefix in ("", "-")]

    def paging(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None, sort: str = "id") -> Paging:
        return Paging(limit=limit, cursor=cursor, sort=sort)

    # Set here: the signature's (string) annotations cannot see ``choices``.
    paging.__annotations__["sort"] = Annotated[
        str,
        Query(
            max_length=50,
            description="A field; prefix - for descending",
            json_schema_extra={"enum": choices},
        ),
    ]
    return paging


def _unsorted(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Paging:
    return Paging(limit=limit, cursor=cursor, sort="id")


#: Paging of a list in its one order (a timeline: oldest first).
PagingDep = Annotated[Paging, Depends(_unsorted)]

#: A list filter naming an object by id (bounded, so the database can bind it).
IdFilter = Annotated[int | None, Query(ge=1, le=ID_MAX)]


def page_response(request: Request, page: Page[Any], render: Callable[[Any], T]) -> ListPage[T]:
    next_url = None
    if page.next_cursor is not None:
        next_url = str(request.url.include_query_params(cursor=page.next_cursor))
    return ListPage[T](items=[render(row) for row in page.items], next=next_url)
