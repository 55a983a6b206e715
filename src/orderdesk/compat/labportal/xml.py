"""labPortal's XML: what .NET's DataContractSerializer writes for its messages.

The seed's sample is reproduced exactly (modulo ids, times and values): no XML
declaration, two-space indentation, the message namespace as the default one,
``i`` for XML Schema instance, members in alphabetical order, and collections
declaring the serialization-arrays namespace with DataContract's depth-numbered
prefix (``d2p1`` on a member of the root, ``d4p1`` inside a
``LineItemResponse``). The root element is at depth 1.

Values of a ``Dictionary<string, object>`` (``Data``, an order schema's
``Schema``) are written as DataContract writes an ``object`` member:

- ``{}`` (an empty object) -> ``<d2p1:Value />``, as the sample shows (.NET's
  ``new object()``);
- string / whole number / fractional number / boolean -> ``i:type`` of
  ``string``, ``int`` (``long`` past Int32, ``decimal`` past Int64),
  ``double`` or ``boolean`` in the XML Schema namespace, declared on the
  element with the prefix DataContract gives it, one deeper than the element
  (``<d2p1:Value i:type="d5p1:string" xmlns:d5p1="...XMLSchema">text</d2p1:Value>``);
- null -> ``<d2p1:Value i:nil="true" />``;
- a non-empty object -> a nested dictionary,
  ``i:type="d2p1:ArrayOfKeyValueOfstringanyType"`` holding
  ``KeyValueOfstringanyType`` entries (the arrays prefix already in scope is
  reused, as DataContract does);
- a list -> ``i:type="d2p1:ArrayOfanyType"`` holding one ``d2p1:anyType`` per
  entry, each written by these same rules.

Text is escaped for XML; a carriage return is kept as ``&#xD;`` (as .NET's
writer does) and a character XML 1.0 cannot carry at all is replaced by U+FFFD.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from orderdesk.compat.labportal.mapping import lab_status, lab_time
from orderdesk.orders.schemas import OrderLineRead, OrderRead
from orderdesk.orderschemas.models import OrderSchema
from orderdesk.schemas import or_empty, sayable

MESSAGES = "http://schemas.datacontract.org/2004/07/labPortal2.Web.Api.v1.Commerce.Messages"
INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
XSD = "http://www.w3.org/2001/XMLSchema"

_INT32 = 2**31
_INT64 = 2**63


@dataclass
class Element:
    """One element as written: qualified name, attributes in order, text or children."""

    name: str
    attributes: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    children: list[Element] = field(default_factory=list)


def _escape(text: str, *, quote: bool = False) -> str:
    text = sayable(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#xD;")
    if quote:
        text = text.replace('"', "&quot;").replace("\n", "&#xA;").replace("\t", "&#x9;")
    return text


def _write(element: Element, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    attributes = "".join(f' {k}="{_escape(v, quote=True)}"' for k, v in element.attributes)
    if element.children:
        out.append(f"{pad}<{element.name}{attributes}>")
        for child in element.children:
            _write(child, indent + 1, out)
        out.append(f"{pad}</{element.name}>")
    elif element.text:
        out.append(f"{pad}<{element.name}{attributes}>{_escape(element.text)}</{element.name}>")
    else:
        out.append(f"{pad}<{element.name}{attributes} />")


def serialize(root: Element) -> bytes:
    out: list[str] = []
    _write(root, 0, out)
    return "\n".join(out).encode()


# --- DataContract values -------------------------------------------------------


def _nil(name: str) -> Element:
    return Element(name, [("i:nil", "true")])


def _text(name: str, value: str | None) -> Element:
    """A string member: its text, or ``i:nil`` for null."""
    return _nil(name) if value is None else Element(name, text=value)


def _double(value: float) -> str:
    """The lexical form .NET gives a double (round-trip, ``E`` exponent, no ``.0``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(value).replace("e", "E").removesuffix(".0")


def _primitive(value: Any) -> tuple[str, str]:
    """The XML Schema type and text of a JSON scalar."""
    if isinstance(value, bool):
        return "boolean", "true" if value else "false"
    if isinstance(value, int):
        if -_INT32 <= value < _INT32:
            return "int", str(value)
        return ("long" if -_INT64 <= value < _INT64 else "decimal"), str(value)
    if isinstance(value, float):
        return "double", _double(value)
    return "string", str(value)


def _any(name: str, value: Any, depth: int, arrays: str) -> Element:
    """An ``object``-typed element at ``depth``; ``arrays`` is the arrays prefix in scope."""
    if value is None:
        return _nil(name)
    if isinstance(value, dict):
        if not value:
            return Element(name)
        return Element(
            name,
            [("i:type", f"{arrays}:ArrayOfKeyValueOfstringanyType")],
            children=_entries(value, depth + 1, arrays),
        )
    if isinstance(value, list):
        return Element(
            name,
            [("i:type", f"{arrays}:ArrayOfanyType")],
            children=[_any(f"{arrays}:anyType", v, depth + 1, arrays) for v in value],
        )
    kind, text = _primitive(value)
    xsd = f"d{depth + 1}p1"
    return Element(name, [("i:type", f"{xsd}:{kind}"), (f"xmlns:{xsd}", XSD)], text=text)


def _entries(data: dict[str, Any], depth: int, arrays: str) -> list[Element]:
    """``KeyValueOfstringanyType`` entries at ``depth``, in the dictionary's order."""
    return [
        Element(
            f"{arrays}:KeyValueOfstringanyType",
            children=[
                Element(f"{arrays}:Key", text=key),
                _any(f"{arrays}:Value", value, depth + 1, arrays),
            ],
        )
        for key, value in data.items()
    ]


def _dictionary(name: str, data: dict[str, Any], depth: int) -> Element:
    """A ``Dictionary<string, object>`` member at ``depth``."""
    arrays = f"d{depth}p1"
    return Element(name, [(f"xmlns:{arrays}", ARRAYS)], children=_entries(data, depth + 1, arrays))


def _strings(name: str, values: Iterable[str], depth: int) -> Element:
    """A ``List<string>`` member at ``depth``."""
    arrays = f"d{depth}p1"
    return Element(
        name,
        [(f"xmlns:{arrays}", ARRAYS)],
        children=[Element(f"{arrays}:string", text=v) for v in values],
    )


def _root(name: str, children: list[Element]) -> Element:
    return Element(name, [("xmlns:i", INSTANCE), ("xmlns", MESSAGES)], children=children)


# --- messages ------------------------------------------------------------------


def _line(line: OrderLineRead) -> Element:
    """A ``LineItemResponse`` (depth 3: root > Items > LineItemResponse)."""
    return Element(
        "LineItemResponse",
        children=[
            _dictionary("Data", line.data, 4),
            _strings("DetCodes", line.determination_codes, 4),
            Element("Id", text=str(line.id)),
            _strings("SuiteCodes", line.suite_codes, 4),
        ],
    )


def order_document(order: OrderRead) -> bytes:
    """The ``OrderResponse`` as XML; ``Status`` by its RequestState name."""
    return serialize(
        _root(
            "OrderResponse",
            [
                Element("Created", text=lab_time(order.created_at)),
                _dictionary("Data", order.data, 2),
                _text("Email", or_empty(order.customer.email)),
                _strings("Filter", order.tags, 2),
                Element("Id", text=str(order.id)),
                Element("Items", children=[_line(line) for line in order.lines]),
                Element("Modified", text=lab_time(order.updated_at)),
                _text("SchemaName", or_empty(order.schema_name)),
                Element("Status", text=lab_status(order.status).name),
            ],
        )
    )


def order_schemas_document(schemas: Sequence[OrderSchema]) -> bytes:
    """``ArrayOfOrderSchemaResponse``: each schema's ``Name`` and ``Schema`` (a dictionary)."""
    return serialize(
        _root(
            "ArrayOfOrderSchemaResponse",
            [
                Element(
                    "OrderSchemaResponse",
                    children=[_text("Name", s.name), _dictionary("Schema", s.schema, 3)],
                )
                for s in schemas
            ],
        )
    )
