"""Text and nesting every request must keep to, checked once at the edge for every surface.

Text that XML 1.0 cannot carry (``schemas.NOT_TEXT``: NUL, other control characters,
U+FFFE/U+FFFF, lone surrogates) would fail to store (PostgreSQL has no NUL, UTF-8 no
surrogate) or to render, so it is refused wherever it comes in: anywhere in a JSON body
(keys too; form bodies arrive as JSON), query and path parameters, header values. A
body nested deeper than ``schemas.DEPTH_MAX`` is refused before anything recurses over
it. Each refusal is a ``ValidationFailed`` naming the pointer or parameter, raised inside
the route, so every surface answers it in its own shape (the vendors' as their 400).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from starlette.requests import Request

from orderdesk.errors import FieldError, ValidationFailed
from orderdesk.schemas import DEPTH_MAX, LIST_MAX, NOT_TEXT, TEXT_RULE, sayable

TOO_DEEP = f"objects and arrays nest at most {DEPTH_MAX} levels"
BAD_TEXT = "holds a character no text may hold"
BAD_KEY = f"a key of this object: {TEXT_RULE}"
_STRUCTURE = re.compile(r'["\[\]{},]')


#: Where a value is: its key or index and its parent's place; None for the document.
_Place = tuple[str | int, "_Place"] | None


def _pointer(path: Sequence[str | int]) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


def _pointer_to(place: _Place) -> str:
    path: list[str | int] = []
    while place is not None:
        key, place = place
        path.append(key)
    return _pointer(path[::-1])


#: Why a JSON ``null`` body is refused.
NULL_BODY = "must be a JSON value other than null (leave an optional body out instead)"


def json_body_error(body: bytes) -> ValidationFailed | None:
    """What a JSON body breaks of these rules, if anything; malformed JSON is the parser's."""
    try:
        # Decoded as json.loads decodes bytes, so encoded surrogates are seen here too.
        text = body.decode(json.detect_encoding(body), "surrogatepass")
    except ValueError:
        return None
    try:
        errors = list(islice(_walk(json.loads(text)), LIST_MAX))
    except RecursionError:  # deeper than the parser goes: find where without recursing
        errors = [FieldError(TOO_DEEP, pointer=_too_deep(text))]
    except ValueError:
        return None
    if not errors:
        return None
    deep = any(e.detail == TOO_DEEP for e in errors)
    return ValidationFailed(
        "the body nests too deeply" if deep else f"the body {BAD_TEXT}", errors=errors
    )


def _walk(document: Any) -> Iterator[FieldError]:
    """Each too-deep container and each string (or key) holding unsayable text, level by level.

    Iterative; a node's place is a (key, parent's place) chain, made a pointer only for
    an error, so a large body costs one visit per node and no copies of paths.
    """
    queue: deque[tuple[Any, int, _Place]] = deque([(document, 0, None)])
    while queue:
        value, depth, place = queue.popleft()
        if isinstance(value, str):
            if NOT_TEXT.search(value):
                yield FieldError(TEXT_RULE, pointer=_pointer_to(place))
        elif depth >= DEPTH_MAX:  # the document is the first level
            yield FieldError(TOO_DEEP, pointer=_pointer_to(place))
        elif isinstance(value, dict):
            for key, item in value.items():
                if NOT_TEXT.search(key):  # named by its object: the key cannot be echoed
                    yield FieldError(BAD_KEY, pointer=_pointer_to(place))
                elif isinstance(item, str | dict | list):
                    queue.append((item, depth + 1, (key, place)))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str | dict | list):
                    queue.append((item, depth + 1, (index, place)))


def _too_deep(text: str) -> str:
    """The pointer of the first container nested past ``DEPTH_MAX``, by scanning ``text``."""
    path: list[str | int] = []  # the key or index being read at each open level
    in_object: list[bool] = []
    expect_key = False
    found = _STRUCTURE.search(text)
    while found is not None:
        char, at = found.group(), found.start()
        end = at + 1
        if char == '"':
            key, end = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
            if expect_key:
                path[-1], expect_key = key, False
        elif char in "[{":
            if len(path) == DEPTH_MAX:
                return _pointer(path)
            path.append("" if char == "{" else 0)
            in_object.append(char == "{")
            expect_key = char == "{"
        elif char in "]}" and path:
            path.pop()
            in_object.pop()
        elif char == "," and path:
            if in_object[-1]:
                expect_key = True
            else:
                path[-1] = int(path[-1]) + 1
        found = _STRUCTURE.search(text, end)
    return ""


async def refuse_null_body(request: Request) -> None:
    """For a route whose body may be left out: a JSON ``null`` is not leaving it out
    (the documented body is an object), so it is refused, not read as no body."""
    if (await request.body()).strip() == b"null":
        raise ValidationFailed("the body is null", errors=[FieldError(NULL_BODY, pointer="")])


def refuse_unsafe_parameters(request: Request) -> None:
    """Refuse, inside the route, text it may not take in a parameter (an app-wide dependency)."""
    errors = []
    for items in (
        request.query_params.multi_items(),
        request.path_params.items(),
        request.headers.items(),
    ):
        for name, value in items:
            if NOT_TEXT.search(name) or (isinstance(value, str) and NOT_TEXT.search(value)):
                errors.append(FieldError(TEXT_RULE, parameter=sayable(name)))
    if errors:
        raise ValidationFailed(f"a parameter {BAD_TEXT}", errors=errors[:LIST_MAX])
