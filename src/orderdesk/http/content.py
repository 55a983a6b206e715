"""Content formats and negotiation: bracketed form bodies in, XML out, one Accept parser."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET

from orderdesk.errors import BadRequest, FieldError
from orderdesk.schemas import sayable

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
MAX_FORM_FIELDS = 1000
MAX_DEPTH = 8


def parse_form(body: bytes) -> dict[str, Any]:
    """``a[b][0][c]=1&tags[]=x&tags[]=y`` -> ``{"a": {"b": [{"c": "1"}]}, "tags": ["x", "y"]}``.

    A plain key sent twice becomes a list; numbered brackets become list positions.
    """
    try:
        pairs = parse_qsl(
            body.decode(),
            keep_blank_values=True,
            max_num_fields=MAX_FORM_FIELDS,
            strict_parsing=False,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("the form body is not valid UTF-8 url-encoded data") from exc
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if match is None:
            raise BadRequest(
                "malformed form field name",
                errors=[FieldError(f"cannot parse field name {key!r}", pointer="/" + key)],
            )
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        if len(path) > MAX_DEPTH:
            raise BadRequest(
                "form field nested too deeply",
                errors=[FieldError(f"at most {MAX_DEPTH} levels", pointer="/" + key)],
            )
        _put(root, path, value)
    return _listify(root)


def _put(node: dict[str, Any], path: list[str], value: str) -> None:
    head, rest = path[0], path[1:]
    if not rest:
        if head == "":
            node.setdefault("", []).append(value)
        elif head in node:
            existing = node[head]
            node[head] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            node[head] = value
        return
    if rest == [""]:  # name[] appends
        target = node.setdefault(head, [])
        if not isinstance(target, list):
            target = node[head] = [target]
        target.append(value)
        return
    child = node.setdefault(head, {})
    if not isinstance(child, dict):
        raise BadRequest(
            "form field given both as a value and as an object",
            errors=[FieldError("conflicting shapes", pointer="/" + head)],
        )
    _put(child, rest, value)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_listify(v) for v in node]
    return node


def to_xml(data: Any, root: str) -> bytes:
    """The JSON document as XML: objects become elements, list entries ``<item>``.

    Always well-formed: a key that is not a plain XML name is ``<entry key="...">``, and
    a character XML 1.0 cannot carry (input refuses them; an echoed path may hold one)
    is written as U+FFFD.
    """
    element = ET.Element(root)
    _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            tag = key if _valid_tag(key) else "entry"
            sub = ET.SubElement(element, tag)
            if tag != key:
                sub.set("key", sayable(key))
            _fill(sub, child)
    elif isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, "item"), child)
    elif value is None:
        element.set("nil", "true")
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = sayable(str(value))


def _valid_tag(name: str) -> bool:
    # ASCII only: \w takes characters like "²" that are no XML name character.
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name)) and not (
        name.lower().startswith("xml")
    )


#: One media range of an ``Accept`` header: ``type/subtype;q=...``.
@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    quality: float

    def specificity(self, media: str) -> int:
        """How closely this range names ``media``: -1 not at all, 0 ``*/*`` ... 3 exactly.

        A structured-syntax suffix counts as a near match, so ``application/problem+xml``
        asks for XML even though only ``application/xml`` is offered.
        """
        kind, _, sub = media.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        if self.subtype == sub:
            return 3
        suffix = "+" + sub.rpartition("+")[2]
        if self.subtype.endswith(suffix) or sub.endswith("+" + self.subtype.rpartition("+")[2]):
            return 2
        return -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The ranges of an ``Accept`` header; a range with a malformed ``q`` weighs nothing."""
    ranges = []
    for part in (header or "").split(","):
        media, _, params = part.partition(";")
        kind, _, sub = media.strip().lower().partition("/")
        if not kind or not sub:
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges.append(MediaRange(kind, sub, quality))
    return ranges


def negotiate(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client rates highest.

    Each offered type takes the quality of the most specific range that names it
    (RFC 9110 section 12.5.1); among equals the more specific range wins, then the
    one the client listed first, then the first offered. No ``Accept`` header accepts
    anything; ``None`` means nothing offered is acceptable (a 406 where the surface
    says so).
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for rank, media in enumerate(offered):
        rated = [(r.specificity(media), r.quality, -i) for i, r in enumerate(ranges)]
        specificity, quality, position = max(rated)
        if specificity < 0 or quality <= 0:
            continue
        key = (quality, specificity, position, -rank)
        if best is None or key > best:
            best, chosen = key, media
    return chosen
