"""labPortal2 Web API v1 Commerce (seed 001) under /compat/labportal/api-v1.

The golden tests hold the seed's own samples, copied verbatim, and compare
the answers with them field by field (JSON) and element by element (XML,
namespaces and element order included); ids and times are checked by type
and format, everything else by value.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest

from orderdesk.compat.labportal.mapping import lab_status, lab_time
from orderdesk.compat.labportal.routes import negotiate
from orderdesk.db import session_scope
from orderdesk.orders.models import Order
from orderdesk.orders.schemas import StatusRead
from orderdesk.workflow.defaults import DENTAL_LAB, IMPILO_DEVICE, LAB_REQUEST, RSO_RECORD
from orderdesk.workflow.vocabularies import terms_of
from tests.api.builders import (
    created,
    make_catalog,
    make_order,
    moved,
    pointers,
    problem,
    product_following,
    without_id,
)

BASE = "/compat/labportal/api-v1"

# The seed's samples, verbatim.
SAMPLE_JSON = """
{
  "Id": 1,
  "SchemaName": "sample string 2",
  "Status": 0,
  "Created": "2024-04-18T03:24:22.2462013+00:00",
  "Modified": "2024-04-18T03:24:22.2462013+00:00",
  "Email": "sample string 5",
  "Filter": [
    "sample string 1",
    "sample string 2"
  ],
  "Data": {
    "sample string 1": {},
    "sample string 3": {}
  },
  "Items": [
    {
      "Id": 1,
      "SuiteCodes": [
        "sample string 1",
        "sample string 2"
      ],
      "DetCodes": [
        "sample string 1",
        "sample string 2"
      ],
      "Data": {
        "sample string 1": {},
        "sample string 3": {}
      }
    },
    {
      "Id": 1,
      "SuiteCodes": [
        "sample string 1",
        "sample string 2"
      ],
      "DetCodes": [
        "sample string 1",
        "sample string 2"
      ],
      "Data": {
        "sample string 1": {},
        "sample string 3": {}
      }
    }
  ]
}
"""

SAMPLE_XML = """\
<OrderResponse xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/labPortal2.Web.Api.v1.Commerce.Messages">
  <Created>2024-04-18T03:24:22.2462013+00:00</Created>
  <Data xmlns:d2p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
    <d2p1:KeyValueOfstringanyType>
      <d2p1:Key>sample string 1</d2p1:Key>
      <d2p1:Value />
    </d2p1:KeyValueOfstringanyType>
    <d2p1:KeyValueOfstringanyType>
      <d2p1:Key>sample string 3</d2p1:Key>
      <d2p1:Value />
    </d2p1:KeyValueOfstringanyType>
  </Data>
  <Email>sample string 5</Email>
  <Filter xmlns:d2p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
    <d2p1:string>sample string 1</d2p1:string>
    <d2p1:string>sample string 2</d2p1:string>
  </Filter>
  <Id>1</Id>
  <Items>
    <LineItemResponse>
      <Data xmlns:d4p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
        <d4p1:KeyValueOfstringanyType>
          <d4p1:Key>sample string 1</d4p1:Key>
          <d4p1:Value />
        </d4p1:KeyValueOfstringanyType>
        <d4p1:KeyValueOfstringanyType>
          <d4p1:Key>sample string 3</d4p1:Key>
          <d4p1:Value />
        </d4p1:KeyValueOfstringanyType>
      </Data>
      <DetCodes xmlns:d4p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
        <d4p1:string>sample string 1</d4p1:string>
        <d4p1:string>sample string 2</d4p1:string>
      </DetCodes>
      <Id>1</Id>
      <SuiteCodes xmlns:d4p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
        <d4p1:string>sample string 1</d4p1:string>
        <d4p1:string>sample string 2</d4p1:string>
      </SuiteCodes>
    </LineItemResponse>
    <LineItemResponse>
      <Data xmlns:d4p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
        <d4p1:KeyValueOfstringanyType>
          <d4p1:Key>sample string 1</d4p1:Key>
          <d4p1:Value />
        </d4p1:KeyValueOfstringanyType>
        <d4p1:KeyValueOfstringanyType>
          <d4p1:Key>sample string 3</d4p1:Key>
          <d4p1:Value />
        </d4p1:KeyValueOfstringanyType>
      </Data>
      <DetCodes xmlns:d4p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
        <d4p1:string>sample string 1</d4p1:string>
        <d4p1:string>sample string 2</d4p1:string>
      </DetCodes>
      <Id>1</Id>
      <SuiteCodes xmlns:d4p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays">
        <d4p1:string>sample string 1</d4p1:string>
        <d4p1:string>sample string 2</d4p1:string>
      </SuiteCodes>
    </LineItemResponse>
  </Items>
  <Modified>2024-04-18T03:24:22.2462013+00:00</Modified>
  <SchemaName>sample string 2</SchemaName>
  <Status>New</Status>
</OrderResponse>"""

MESSAGES = "http://schemas.datacontract.org/2004/07/labPortal2.Web.Api.v1.Commerce.Messages"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"

LAB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$")
SAMPLE_CODES = ["sample string 1", "sample string 2"]
SAMPLE_DATA: dict[str, dict] = {"sample string 1": {}, "sample string 3": {}}
SCHEMA_NAME = "sample string 2"
EMAIL = "requests@clinic.example"  # the sample's "sample string 5" is not an address


def m(tag: str) -> str:
    return f"{{{MESSAGES}}}{tag}"


def a(tag: str) -> str:
    return f"{{{ARRAYS}}}{tag}"


def xsi(name: str) -> str:
    return f"{{{INSTANCE}}}{name}"


# --- set-up ----------------------------------------------------------------------


async def make_sample_order(client, world, **fields) -> dict:
    """An order shaped like the seed's sample, on the lab-request workflow."""
    r = await client.patch(
        f"/v1/accounts/{world.accounts['customer']}",
        json={"email": EMAIL},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    r = await client.get(f"/v1/order-schemas?name={SCHEMA_NAME}", headers=world.auth("supplier"))
    if not r.json()["items"]:
        await created(
            await client.post(
                "/v1/order-schemas",
                json={"name": SCHEMA_NAME, "schema": {"type": "object"}},
                headers=world.auth("supplier"),
            )
        )
    product_id = await product_following(client, world, "lab-request")
    line = {
        "product_id": product_id,
        "suite_codes": SAMPLE_CODES,
        "determination_codes": SAMPLE_CODES,
        "data": SAMPLE_DATA,
    }
    body = {
        "product_id": product_id,
        "schema_name": SCHEMA_NAME,
        "tags": SAMPLE_CODES,
        "data": SAMPLE_DATA,
        "lines": [line, line],
        **fields,
    }
    return await created(await client.post("/v1/orders", json=body, headers=world.auth("customer")))


async def lab_get(client, world, path: str, accept: str | None = None, who: str = "customer"):
    headers = dict(world.auth(who))
    if accept is not None:
        headers["Accept"] = accept
    return await client.get(f"{BASE}/{path}", headers=headers)


async def lab_order_json(client, world, order_id: int, who: str = "customer") -> dict:
    r = await lab_get(client, world, f"commerce/orders/{order_id}", "application/json", who)
    assert r.status_code == 200, r.text
    return r.json()


async def lab_order_xml(client, world, order_id: int, who: str = "customer") -> ET.Element:
    r = await lab_get(client, world, f"commerce/orders/{order_id}", "application/xml", who)
    assert r.status_code == 200, r.text
    return ET.fromstring(r.content)


# --- XML comparison ------------------------------------------------------------

#: Elements whose text is an id, a time or an address: compared by format.
VARIABLE = {m("Id"), m("Created"), m("Modified"), m("Email")}


def assert_same_tree(got: ET.Element, want: ET.Element, where: str = "") -> None:
    """Same qualified names, attributes, children in the same order and text
    (ids, times and the email by format)."""
    here = f"{where}/{want.tag}"
    assert got.tag == want.tag, here
    assert got.attrib == want.attrib, here
    assert [c.tag for c in got] == [c.tag for c in want], here
    if want.tag in VARIABLE:
        text = got.text or ""
        if want.tag == m("Id"):
            assert text.isdigit(), (here, text)
        elif want.tag == m("Email"):
            assert text == EMAIL, here
        else:
            assert LAB_TIME.match(text), (here, text)
    else:
        assert (got.text or "").strip() == (want.text or "").strip(), here
    for got_child, want_child in zip(got, want, strict=True):
        assert_same_tree(got_child, want_child, here)


def namespace_declarations(document: bytes) -> list[tuple[str, str]]:
    """Every (prefix, namespace) declaration, in document order."""
    return [value for event, value in ET.iterparse(io.BytesIO(document), events=("start-ns",))]


def with_sample_values(document: str) -> str:
    """The document with its ids, times and email replaced by the sample's."""
    document = re.sub(r"<Id>\d+</Id>", "<Id>1</Id>", document)
    document = re.sub(
        r"<(Created|Modified)>[^<]+</", r"<\1>2024-04-18T03:24:22.2462013+00:00</", document
    )
    return document.replace(f"<Email>{EMAIL}</Email>", "<Email>sample string 5</Email>")


# --- golden tests ----------------------------------------------------------------


async def test_the_json_order_matches_the_seeds_sample_field_by_field(client, world):
    order = await make_sample_order(client, world)
    r = await lab_get(client, world, f"commerce/orders/{order['id']}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    body, sample = r.json(), json.loads(SAMPLE_JSON)

    assert list(body) == list(sample)
    assert body["Id"] == order["id"] and isinstance(body["Id"], int)
    assert body["SchemaName"] == sample["SchemaName"]
    assert body["Status"] == sample["Status"] == 0
    for time in ("Created", "Modified"):
        assert LAB_TIME.match(body[time]), body[time]
    assert body["Email"] == EMAIL
    assert body["Filter"] == sample["Filter"]
    assert body["Data"] == sample["Data"]
    assert len(body["Items"]) == len(sample["Items"])
    for item, want, line in zip(body["Items"], sample["Items"], order["lines"], strict=True):
        assert list(item) == list(want)
        assert item["Id"] == line["id"] and isinstance(item["Id"], int)
        for member in ("SuiteCodes", "DetCodes", "Data"):
            assert item[member] == want[member]


async def test_json_times_are_the_orders_times_in_utc_with_seven_digits(client, world):
    order = await make_sample_order(client, world)
    body = await lab_order_json(client, world, order["id"])
    for member, native in (("Created", "created_at"), ("Modified", "updated_at")):
        moment = dt.datetime.fromisoformat(order[native]).astimezone(dt.UTC)
        assert body[member] == moment.strftime("%Y-%m-%dT%H:%M:%S.%f0+00:00")


@pytest.mark.parametrize("accept", ["application/xml", "text/xml"])
async def test_the_xml_order_matches_the_seeds_sample_element_by_element(client, world, accept):
    order = await make_sample_order(client, world)
    r = await lab_get(client, world, f"commerce/orders/{order['id']}", accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept

    got, want = ET.fromstring(r.content), ET.fromstring(SAMPLE_XML)
    assert_same_tree(got, want)
    assert got.find(m("Id")).text == str(order["id"])
    line_ids = [e.find(m("Id")).text for e in got.iter(m("LineItemResponse"))]
    assert line_ids == [str(line["id"]) for line in order["lines"]]
    # The prefixes too: i and the default namespace on the root, d2p1 at the
    # order's level, d4p1 inside each LineItemResponse.
    assert namespace_declarations(r.content) == namespace_declarations(SAMPLE_XML.encode())


async def test_the_xml_order_is_the_seeds_sample_document_byte_for_byte(client, world):
    order = await make_sample_order(client, world)
    r = await lab_get(client, world, f"commerce/orders/{order['id']}", "text/xml")
    assert with_sample_values(r.content.decode()) == SAMPLE_XML


async def test_xml_times_match_json_times(client, world):
    order = await make_sample_order(client, world)
    body = await lab_order_json(client, world, order["id"])
    root = await lab_order_xml(client, world, order["id"])
    assert root.find(m("Created")).text == body["Created"]
    assert root.find(m("Modified")).text == body["Modified"]


# --- content negotiation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/json", "text/json"),
        ("text/html", "application/json"),
        ("application/xml;q=0.5, application/json", "application/json"),
        ("application/json;q=0.5, text/xml", "text/xml"),
        ("text/*", "text/json"),
        ("TEXT/XML", "text/xml"),
    ],
)
async def test_the_accept_header_picks_the_format(client, world, accept, media):
    order = await make_sample_order(client, world)
    r = await lab_get(client, world, f"commerce/orders/{order['id']}", accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert "accept" in r.headers["vary"].lower()
    if media.endswith("json"):
        assert r.json()["Id"] == order["id"]
    else:
        assert ET.fromstring(r.content).tag == m("OrderResponse")


def test_negotiation_prefers_the_most_specific_range():
    assert negotiate("application/xml;q=0, */*") == "application/json"
    assert negotiate("text/xml;q=0.9, */*;q=0.1") == "text/xml"
    assert negotiate("application/json;q=0, application/xml;q=0.2") == "application/xml"
    assert negotiate("application/xml;q=bogus") == "application/json"


# --- Status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "who", "code", "name"),
    [
        ((), "supplier", 0, "New"),
        (("Received",), "supplier", 1, "Received"),
        (("Received", "InProgress"), "supplier", 2, "InProgress"),
        (("Received", "InProgress", "Completed"), "supplier", 3, "Completed"),
        (("Cancelled",), "customer", 4, "Cancelled"),
    ],
)
async def test_status_is_the_request_state_code_in_json_and_its_name_in_xml(
    client, world, path, who, code, name
):
    order = await make_sample_order(client, world)
    await moved(client, world, order["id"], *path, who=who)
    assert (await lab_order_json(client, world, order["id"]))["Status"] == code
    assert (await lab_order_xml(client, world, order["id"])).find(m("Status")).text == name


async def test_a_rejected_request_reads_as_rejected(client, world):
    order = await make_sample_order(client, world)
    r = await client.post(
        f"/v1/orders/{order['id']}/transitions",
        json={"to": "Rejected", "reason": "haemolysed sample"},
        headers=world.auth("supplier"),
    )
    assert r.status_code == 200, r.text
    assert (await lab_order_json(client, world, order["id"]))["Status"] == 5
    assert (await lab_order_xml(client, world, order["id"])).find(m("Status")).text == "Rejected"


async def test_modified_moves_when_the_order_changes(client, world):
    order = await make_sample_order(client, world)
    before = await lab_order_json(client, world, order["id"])
    await moved(client, world, order["id"], "Received")
    after = await lab_order_json(client, world, order["id"])
    assert after["Created"] == before["Created"]
    assert after["Modified"] > before["Modified"]


@pytest.mark.parametrize(
    ("path", "who", "code", "name"),
    [
        ((), "supplier", 0, "New"),
        (("reconfirmAddress",), "supplier", 2, "InProgress"),
        (("processing",), "supplier", 2, "InProgress"),
        (("processing", "shipped"), "supplier", 2, "InProgress"),
        (("processing", "shipped", "delivered"), "supplier", 3, "Completed"),
        (("cancelled",), "customer", 4, "Cancelled"),
    ],
)
async def test_an_impilo_order_reads_as_the_lab_request_state_of_its_kind(
    client, world, path, who, code, name
):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)  # the tenant default: impilo-device
    assert order["workflow"]["key"] == IMPILO_DEVICE.key
    await moved(client, world, order["id"], *path, who=who)
    body = await lab_order_json(client, world, order["id"])
    assert body["Status"] == code
    assert (await lab_order_xml(client, world, order["id"])).find(m("Status")).text == name


async def test_a_suppliers_own_workflow_reads_by_kind_too(client, world):
    definition = {
        "key": "two-step",
        "name": "Two step",
        "states": [
            {"id": "open", "name": "Open", "type": "NEW", "initial": True},
            {"id": "done", "name": "Done", "type": "CLOSED", "outcome": "completed"},
            {"id": "dropped", "name": "Dropped", "type": "CLOSED", "outcome": "cancelled"},
        ],
        "transitions": [
            {"from": "open", "to": "done", "roles": ["supplier"]},
            {"from": "open", "to": "dropped", "roles": ["customer", "supplier"]},
        ],
    }
    workflow = await created(
        await client.post(
            "/v1/workflows", json={"definition": definition}, headers=world.auth("supplier")
        )
    )
    product = await created(
        await client.post(
            "/v1/products",
            json={"name": "Panel", "price": "1", "currency": "EUR", "workflow_id": workflow["id"]},
            headers=world.auth("supplier"),
        )
    )
    order = await created(
        await client.post(
            "/v1/orders", json={"product_id": product["id"]}, headers=world.auth("customer")
        )
    )
    assert (await lab_order_json(client, world, order["id"]))["Status"] == 0
    await moved(client, world, order["id"], "dropped")
    assert (await lab_order_json(client, world, order["id"]))["Status"] == 4
    assert (await lab_order_xml(client, world, order["id"])).find(m("Status")).text == "Cancelled"


def _status(state) -> StatusRead:
    return StatusRead(
        id=state.id,
        name=state.name,
        type=state.type.value,
        outcome=state.outcome.value if state.outcome else None,
        code=state.code,
        terms=terms_of(state),
    )


def test_the_lab_request_workflow_answers_its_own_states_with_their_codes():
    for state in LAB_REQUEST.states:
        assert lab_status(_status(state)) == (state.code, state.id)


def test_every_other_state_reads_as_the_lab_request_state_of_its_kind():
    for workflow in (DENTAL_LAB, IMPILO_DEVICE, RSO_RECORD):
        for state in workflow.states:
            got = lab_status(_status(state))
            target = LAB_REQUEST.state(got.name)
            assert got.code == target.code
            assert (target.type, target.outcome) == (state.type, state.outcome)


def test_lab_time_renders_utc_with_seven_fractional_digits():
    moment = dt.datetime(2024, 4, 18, 5, 24, 22, 246201, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert lab_time(moment) == "2024-04-18T03:24:22.2462010+00:00"
    assert lab_time(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)) == (
        "2024-01-02T03:04:05.0000000+00:00"
    )


# --- other shapes of an order -----------------------------------------------------


async def test_an_order_without_schema_or_email_answers_empty_strings(client, world):
    catalog = await make_catalog(client, world)
    order = await make_order(client, world, catalog)
    body = await lab_order_json(client, world, order["id"])
    assert body["SchemaName"] == "" and body["Email"] == ""  # strings the document shows
    assert body["Filter"] == [] and body["Data"] == {}
    assert body["Items"] == [
        {"Id": order["lines"][0]["id"], "SuiteCodes": [], "DetCodes": [], "Data": {}}
    ]
    root = await lab_order_xml(client, world, order["id"])
    for member in ("SchemaName", "Email"):
        element = root.find(m(member))
        assert element.attrib == {} and not element.text
    assert list(root.find(m("Filter"))) == []
    assert list(root.find(m("Data"))) == []


def _values(parent: ET.Element) -> dict[str, ET.Element]:
    return {
        entry.find(a("Key")).text: entry.find(a("Value"))
        for entry in parent.findall(a("KeyValueOfstringanyType"))
    }


async def test_data_values_are_written_as_datacontract_writes_objects(client, world):
    data = {
        "text": "a & <b>",
        "count": 5,
        "big": 2**40,
        "ratio": 1.5,
        "whole": 100.0,
        "flag": True,
        "none": None,
        "empty": {},
        "nested": {"k": "v", "n": 1},
        "list": [1, "x", None, {}],
        "blank": "",
    }
    order = await make_sample_order(client, world, data=data)
    r = await lab_get(client, world, f"commerce/orders/{order['id']}", "application/xml")
    values = _values(ET.fromstring(r.content).find(m("Data")))
    assert list(values) == list(data)

    def typed(element: ET.Element) -> tuple[str | None, str | None]:
        return element.get(xsi("type")), element.text

    assert typed(values["text"]) == ("d5p1:string", "a & <b>")
    assert typed(values["count"]) == ("d5p1:int", "5")
    assert typed(values["big"]) == ("d5p1:long", str(2**40))
    assert typed(values["ratio"]) == ("d5p1:double", "1.5")
    assert typed(values["whole"]) == ("d5p1:double", "100")
    assert typed(values["flag"]) == ("d5p1:boolean", "true")
    assert typed(values["blank"]) == ("d5p1:string", None)
    assert values["none"].attrib == {xsi("nil"): "true"}
    assert values["empty"].attrib == {} and len(values["empty"]) == 0
    nested = values["nested"]
    assert nested.get(xsi("type")) == "d2p1:ArrayOfKeyValueOfstringanyType"
    assert {k: typed(v) for k, v in _values(nested).items()} == {
        "k": ("d7p1:string", "v"),
        "n": ("d7p1:int", "1"),
    }
    listed = values["list"]
    assert listed.get(xsi("type")) == "d2p1:ArrayOfanyType"
    entries = listed.findall(a("anyType"))
    assert [typed(e) for e in entries[:2]] == [("d6p1:int", "1"), ("d6p1:string", "x")]
    assert entries[2].attrib == {xsi("nil"): "true"}
    assert entries[3].attrib == {} and len(entries[3]) == 0
    # The xsd prefix is declared where it is used, as DataContract does.
    text = r.content.decode()
    assert (
        '<d2p1:Value i:type="d5p1:string" xmlns:d5p1="http://www.w3.org/2001/XMLSchema">'
        "a &amp; &lt;b&gt;</d2p1:Value>"
    ) in text
    # And the JSON answer carries the data as it is.
    assert (await lab_order_json(client, world, order["id"]))["Data"] == data


async def test_line_data_values_take_the_line_level_prefixes(client, world):
    product_id = await product_following(client, world, "lab-request")
    line = {"product_id": product_id, "data": {"volume": 2.5, "tube": "EDTA"}}
    order = await created(
        await client.post(
            "/v1/orders",
            json={"product_id": product_id, "lines": [line]},
            headers=world.auth("customer"),
        )
    )
    r = await lab_get(client, world, f"commerce/orders/{order['id']}", "text/xml")
    text = r.content.decode()
    assert (
        '<d4p1:Value i:type="d7p1:double" xmlns:d7p1="http://www.w3.org/2001/XMLSchema">'
        "2.5</d4p1:Value>"
    ) in text
    assert '<d4p1:Value i:type="d7p1:string" xmlns:d7p1="' + XSD + '">EDTA</d4p1:Value>' in text


async def test_text_that_xml_cannot_carry_is_escaped_or_replaced(client, world, sessions):
    order = await make_sample_order(
        client, world, tags=["a\"b'c", "x<y>&z"], data={"line\r\nbreak": "ctl"}
    )
    # The API refuses a control character now; an order may have stored one before.
    async with session_scope(sessions) as session:
        stored = await session.get(Order, (world.tenant_id, order["id"]))
        assert stored is not None
        stored.data = {"line\r\nbreak": "ctl\x01char"}
    r = await lab_get(client, world, f"commerce/orders/{order['id']}", "application/xml")
    root = ET.fromstring(r.content)  # well-formed
    assert [s.text for s in root.find(m("Filter"))] == ["a\"b'c", "x<y>&z"]
    (value,) = _values(root.find(m("Data"))).items()
    assert value[0] == "line\r\nbreak"
    assert value[1].text == "ctl\ufffdchar"


# --- who may read what --------------------------------------------------------------


@pytest.mark.parametrize("who", ["customer", "supplier", "admin"])
async def test_the_orders_parties_and_the_admin_read_it(client, world, who):
    order = await make_sample_order(client, world)
    assert (await lab_order_json(client, world, order["id"], who=who))["Id"] == order["id"]


async def test_the_api_key_header_works_too(client, world):
    order = await make_sample_order(client, world)
    r = await client.get(
        f"{BASE}/commerce/orders/{order['id']}", headers={"X-API-Key": world.keys["customer"]}
    )
    assert r.status_code == 200, r.text
    assert r.json()["Id"] == order["id"]


async def test_without_a_valid_key_it_is_a_401_problem(client, world):
    order = await make_sample_order(client, world)
    r = await client.get(f"{BASE}/commerce/orders/{order['id']}")
    assert "Bearer" in r.headers["www-authenticate"]
    body = problem(r, 401)
    assert "X-API-Key" in body["detail"]
    r = await client.get(
        f"{BASE}/commerce/orders/{order['id']}", headers={"Authorization": "Bearer nope"}
    )
    problem(r, 401)
    r = await client.get(f"{BASE}/commerce/orderschema", headers={"X-API-Key": "nope"})
    problem(r, 401)


@pytest.mark.parametrize("who", ["customer_other", "supplier_other"])
async def test_another_accounts_order_is_a_404_like_a_missing_one(client, world, who):
    order = await make_sample_order(client, world)
    foreign = problem(await lab_get(client, world, f"commerce/orders/{order['id']}", who=who), 404)
    missing_id = order["id"] + 1_000_000
    missing = problem(await lab_get(client, world, f"commerce/orders/{missing_id}", who=who), 404)
    assert without_id(foreign, order["id"]) == without_id(missing, missing_id)


async def test_another_tenants_order_is_a_404(client, world, other_world):
    order = await make_sample_order(client, world)
    r = await lab_get(client, other_world, f"commerce/orders/{order['id']}", who="admin")
    problem(r, 404)


@pytest.mark.parametrize("ident", ["abc", "1.5", "-1", "0", "1e3", "%C2%B2", "9" * 30])
async def test_an_id_that_is_not_an_order_id_is_a_404(client, world, ident):
    r = await lab_get(client, world, f"commerce/orders/{ident}", who="admin")
    body = problem(r, 404)
    assert body["instance"].startswith(f"{BASE}/commerce/orders/")


async def test_an_xml_client_gets_its_errors_as_xml(client, world):
    r = await lab_get(client, world, "commerce/orders/abc", "application/xml", who="admin")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+xml")
    root = ET.fromstring(r.content)
    assert root.tag == "problem" and root.find("status").text == "404"
    r = await client.get(f"{BASE}/commerce/orders/1", headers={"Accept": "text/xml"})
    assert r.status_code == 401 and "Bearer" in r.headers["www-authenticate"]
    assert ET.fromstring(r.content).find("status").text == "401"


async def test_an_order_placed_natively_is_the_same_order_here(client, world):
    order = await make_sample_order(client, world)
    body = await lab_order_json(client, world, order["id"])
    assert body["Filter"] == order["tags"]
    assert body["Data"] == order["data"]
    assert body["SchemaName"] == order["schema_name"]
    assert body["Email"] == order["customer"]["email"]
    assert [i["Id"] for i in body["Items"]] == [line["id"] for line in order["lines"]]


# --- order schemas ----------------------------------------------------------------------

BLOOD_PANEL = {
    "type": "object",
    "required": ["fasting"],
    "properties": {
        "fasting": {"type": "boolean"},
        "collected": {"type": "string", "format": "date-time"},
        "tubes": {"type": "array", "items": {"type": "string"}},
        "patient": {
            "type": "object",
            "properties": {"weight_kg": {"type": "number", "minimum": 0}},
        },
    },
}


async def _schema(client, world, name: str, schema: dict, who: str = "supplier") -> dict:
    return await created(
        await client.post(
            "/v1/order-schemas", json={"name": name, "schema": schema}, headers=world.auth(who)
        )
    )


async def test_orderschema_lists_the_tenants_schemas_by_name(client, world, other_world):
    await _schema(client, world, "urine", {"type": "object"})
    await _schema(client, world, "blood-panel", BLOOD_PANEL)
    await _schema(client, other_world, "not-ours", {"type": "object"})
    r = await lab_get(client, world, "commerce/orderschema")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == [
        {"Name": "blood-panel", "Schema": BLOOD_PANEL},
        {"Name": "urine", "Schema": {"type": "object"}},
    ]


async def test_orderschema_is_an_empty_array_for_a_tenant_without_schemas(client, world):
    r = await lab_get(client, world, "commerce/orderschema", who="supplier")
    assert r.status_code == 200 and r.json() == []
    r = await lab_get(client, world, "commerce/orderschema", "application/xml", who="supplier")
    root = ET.fromstring(r.content)
    assert root.tag == m("ArrayOfOrderSchemaResponse") and list(root) == []


@pytest.mark.parametrize("accept", ["application/xml", "text/xml"])
async def test_orderschema_as_xml_is_in_the_datacontract_style(client, world, accept):
    await _schema(client, world, "blood-panel", BLOOD_PANEL)
    r = await lab_get(client, world, "commerce/orderschema", accept)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    root = ET.fromstring(r.content)
    assert root.tag == m("ArrayOfOrderSchemaResponse")
    (item,) = list(root)
    assert item.tag == m("OrderSchemaResponse")
    assert [c.tag for c in item] == [m("Name"), m("Schema")]
    assert item.find(m("Name")).text == "blood-panel"
    schema = _values(item.find(m("Schema")))
    assert list(schema) == list(BLOOD_PANEL)
    assert schema["type"].text == "object"
    assert schema["type"].get(xsi("type")) == "d6p1:string"
    required = schema["required"]
    assert required.get(xsi("type")) == "d3p1:ArrayOfanyType"
    assert [e.text for e in required] == ["fasting"]
    properties = _values(schema["properties"])
    assert list(properties) == list(BLOOD_PANEL["properties"])
    assert ("xmlns:d3p1", ARRAYS) in [
        (f"xmlns:{p}", ns) for p, ns in namespace_declarations(r.content)
    ]


async def test_an_order_schemas_violations_are_422_pointers_under_data(client, world):
    await _schema(client, world, "blood-panel", BLOOD_PANEL)
    catalog = await make_catalog(client, world)
    bad = {
        "tubes": ["EDTA", 7],
        "patient": {"weight_kg": -3},
        "collected": "2024-01-01T00:00:00Z",
    }
    r = await client.post(
        "/v1/orders",
        json={
            "lines": [{"item_id": catalog.item_ids[0]}],
            "schema_name": "blood-panel",
            "data": bad,
        },
        headers=world.auth("customer"),
    )
    body = problem(r, 422)
    assert pointers(body) == {"/data", "/data/tubes/1", "/data/patient/weight_kg"}
    assert any("fasting" in e["detail"] for e in body["errors"] if e["pointer"] == "/data")
    # nothing was written
    r = await client.get("/v1/orders", headers=world.auth("customer"))
    assert r.json()["items"] == []


async def test_data_that_satisfies_the_schema_is_accepted_and_named(client, world):
    await _schema(client, world, "blood-panel", BLOOD_PANEL)
    catalog = await make_catalog(client, world)
    order = await make_order(
        client, world, catalog, schema_name="blood-panel", data={"fasting": True, "tubes": []}
    )
    assert order["schema_name"] == "blood-panel"
    body = await lab_order_json(client, world, order["id"])
    assert body["SchemaName"] == "blood-panel"
    assert body["Data"] == {"fasting": True, "tubes": []}


async def test_an_unknown_or_other_suppliers_schema_is_a_422_at_schema_name(client, world):
    await _schema(client, world, "theirs", {"type": "object"}, who="supplier_other")
    catalog = await make_catalog(client, world)
    for name in ("missing", "theirs"):
        r = await client.post(
            "/v1/orders",
            json={"lines": [{"item_id": catalog.item_ids[0]}], "schema_name": name, "data": {}},
            headers=world.auth("customer"),
        )
        assert pointers(problem(r, 422)) == {"/schema_name"}


async def test_a_tenant_wide_schema_serves_every_supplier(client, world):
    await _schema(client, world, "any-lab", {"type": "object", "maxProperties": 1}, who="admin")
    catalog = await make_catalog(client, world)
    r = await client.post(
        "/v1/orders",
        json={
            "lines": [{"item_id": catalog.item_ids[0]}],
            "schema_name": "any-lab",
            "data": {"a": 1, "b": 2},
        },
        headers=world.auth("customer"),
    )
    assert pointers(problem(r, 422)) == {"/data"}
    order = await make_order(client, world, catalog, schema_name="any-lab", data={"a": 1})
    assert order["schema_name"] == "any-lab"
