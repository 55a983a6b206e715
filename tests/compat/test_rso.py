"""Record Stack Overflow compatibility API (seed 004), under /compat/rso/api/v1.

The golden tests send the document's own sample requests (placeholder ids
replaced by real ones) and compare the answers field by field with the
document's own sample responses, copied below.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from orderdesk.compat.rso import routes as rso_routes
from tests.api.builders import (
    make_catalog,
    make_order,
    moved,
    product_following,
    read_order,
    timeline_of,
)
from tests.compat.samples import sample as load_sample
from tests.conftest import World

BASE = "/compat/rso/api/v1"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# --- the document's samples, verbatim -------------------------------------------------

CREATE_SAMPLE_BODY = (
    "shipping_address1=123%20Shipping%20Lane&shipping_address2=&shipping_city=Raleigh"
    "&shipping_state=NC&shipping_zip=27615&paypal_email=paypal%40example.com"
    "&billing_address1=123%20Billing%20Drive&billing_address2=Ste.%20%23100"
    "&billing_city=Raleigh&billing_state=NC&billing_zip=27615&comments=This%20is%20a%20comment"
)

UPDATE_SAMPLE_BODY = (
    "billing_info%5B0%5D%5Bbilling_address1%5D=789%20New%20Billing%20Ave"
    "&billing_info%5B0%5D%5Bbilling_address2%5D=Ste.%20%23950"
    "&billing_info%5B0%5D%5Bbilling_city%5D=Boston&billing_info%5B0%5D%5Bbilling_state%5D=MA"
    "&billing_info%5B0%5D%5Bbilling_zip%5D=02101&comments=Updated%20billing%20address"
)

CREATE_SAMPLE_RESPONSE: dict[str, Any] = load_sample("rso_create_response")

LIST_SAMPLE_RESPONSE: list[dict[str, Any]] = load_sample("rso_list_response")

UPDATE_SAMPLE_RESPONSE: dict[str, Any] = load_sample("rso_update_response")

DELETE_SAMPLE_RESPONSE = {"success_message": "Order cancelled", "response_code": 200}

REQUIRED = [
    "shipping_address1",
    "shipping_city",
    "shipping_state",
    "shipping_zip",
    "paypal_email",
    "billing_address1",
    "billing_city",
    "billing_state",
    "billing_zip",
]

CREATED_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
IDS = ("_id", "record_id", "merchant_id", "_createdBy")

# A create body as JSON, in the nested one-element-array shape.
JSON_BODY: dict[str, Any] = {
    "shipping_info": [
        {
            "shipping_address1": "1 Dock St",
            "shipping_city": "Durham",
            "shipping_state": "NC",
            "shipping_zip": "27701",
        }
    ],
    "billing_info": [
        {
            "paypal_email": "pay@example.org",
            "billing_address1": "2 Bill Rd",
            "billing_city": "Durham",
            "billing_state": "NC",
            "billing_zip": "27701",
        }
    ],
    "comments": ["first", "second"],
}


# --- helpers ---------------------------------------------------------------------------


#: Every field each group shows.
GROUP_KEYS: dict[str, tuple[str, ...]] = {
    "shipping_info": (
        "shipping_address1",
        "shipping_address2",
        "shipping_city",
        "shipping_state",
        "shipping_zip",
    ),
    "billing_info": (
        "paypal_email",
        "billing_address1",
        "billing_address2",
        "billing_city",
        "billing_state",
        "billing_zip",
    ),
}


def every_key(group: str, sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The group as answered for what was sent: every field, "" for those not sent."""
    return [{key: sent[0].get(key, "") for key in GROUP_KEYS[group]}]


def assert_like_sample(actual: dict[str, Any], sample: dict[str, Any], ids: dict[str, str]) -> None:
    """``actual`` equals the document's sample field by field; ids are ours (digit strings),
    the date has the sample's format, ``__v`` is a number, and ``merchant_info`` (in the
    attribute table, not in the samples) is the one addition. A group shows every field:
    where a sample leaves one out (the update sample's ``paypal_email``) it is ``""``."""
    assert set(actual) == set(sample) | {"merchant_info"}, actual
    for key, expected in sample.items():
        if key in GROUP_KEYS:
            assert actual[key] == every_key(key, expected), (key, actual[key], expected)
        elif key in IDS:
            assert re.fullmatch(r"\d+", actual[key]), (key, actual[key])
            assert actual[key] == ids[key], key
        elif key == "created_date":
            assert CREATED_DATE.match(actual[key]), actual[key]
        elif key == "__v":
            assert isinstance(actual[key], int) and not isinstance(actual[key], bool)
        else:
            assert actual[key] == expected, (key, actual[key], expected)
    assert actual["merchant_info"] == [
        {
            "merchant_id": ids["merchant_id"],
            "companyName": "Records & Co",
            "primaryContact": "Mona Merchant",
            "phoneNumber": "+1 919 555 0100",
        }
    ]


def error(response: httpx.Response, status: int) -> str:
    """The vendor's error body, whose response_code is the HTTP status; its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error_message", "response_code"}, body
    assert body["response_code"] == status
    assert isinstance(body["error_message"], str) and body["error_message"]
    return body["error_message"]


def insufficient(response: httpx.Response) -> None:
    assert error(response, 401) == "Insufficient privileges"


@pytest.fixture
async def shop(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """Registered details on the accounts (as the samples show them) and a record of the
    merchant whose orders follow the rso-record workflow."""
    admin = world.auth("admin")
    for who, fields in (
        (
            "customer",
            {
                "name": "customerName",
                "contact_given_name": "First",
                "contact_family_name": "Name",
                "email": "email@example.com",
            },
        ),
        (
            "supplier",
            {
                "name": "Records & Co",
                "contact_person": "Mona Merchant",
                "phone_number": "+1 919 555 0100",
            },
        ),
    ):
        r = await client.patch(f"/v1/accounts/{world.accounts[who]}", json=fields, headers=admin)
        assert r.status_code == 200, r.text
    record = await product_following(client, world, "rso-record")
    return {
        "record": record,
        "merchant": world.accounts["supplier"],
        "customer": world.accounts["customer"],
    }


def ids_of(shop: dict[str, Any], order_id: str) -> dict[str, str]:
    return {
        "_id": order_id,
        "record_id": str(shop["record"]),
        "merchant_id": str(shop["merchant"]),
        "_createdBy": str(shop["customer"]),
    }


def create_url(shop: dict[str, Any], slash: str = "") -> str:
    return f"{BASE}/orders/merchants/{shop['merchant']}/records/{shop['record']}{slash}"


async def create_sample(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any], method: str = "POST"
) -> dict[str, Any]:
    r = await client.request(
        method,
        create_url(shop),
        content=CREATE_SAMPLE_BODY,
        headers={**world.auth("customer"), **FORM},
    )
    assert r.status_code == 201, r.text
    return r.json()


# --- golden: the document's samples ------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_create_sample_request_answers_the_sample_order(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any], method: str
) -> None:
    r = await client.request(
        method,
        create_url(shop),
        content=CREATE_SAMPLE_BODY,
        headers={**world.auth("customer"), **FORM},
    )
    assert r.status_code == 201, r.text
    order = r.json()
    assert_like_sample(order, CREATE_SAMPLE_RESPONSE, ids_of(shop, order["_id"]))
    assert order["__v"] == 0
    assert r.headers["etag"] == '"1"'

    # The same order, natively: the record's workflow, the addresses, the PayPal email.
    native = await read_order(client, world, int(order["_id"]))
    assert native["workflow"]["key"] == "rso-record"
    assert native["status"]["id"] == "In progress"
    assert native["product"]["id"] == shop["record"]
    assert native["supplier_account_id"] == shop["merchant"]
    assert native["shipping_address"]["line_one"] == "123 Shipping Lane"
    assert native["shipping_address"]["line_two"] == ""
    assert native["billing_address"]["email"] == "paypal@example.com"
    assert native["billing_address"]["line_two"] == "Ste. #100"
    assert native["comments"] == ["This is a comment"]
    events = await timeline_of(client, world, int(order["_id"]))
    assert [e["kind"] for e in events] == ["created"]


async def test_update_sample_request_answers_the_sample_order(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    created = await create_sample(client, world, shop)
    r = await client.put(
        f"{BASE}/orders/{created['_id']}",
        content=UPDATE_SAMPLE_BODY,
        headers={**world.auth("supplier"), **FORM},
    )
    assert r.status_code == 200, r.text
    order = r.json()
    assert_like_sample(order, UPDATE_SAMPLE_RESPONSE, ids_of(shop, created["_id"]))
    # The billing_info sent replaces the stored one whole, as the sample shows (no
    # paypal_email: "" here, as every field is shown); the shipping_info not sent stays;
    # __v counts the change.
    assert order["billing_info"][0]["paypal_email"] == ""
    assert order["created_date"] == created["created_date"]
    assert order["__v"] == 1
    events = await timeline_of(client, world, int(created["_id"]))
    assert [e["kind"] for e in events] == ["created", "changed"]
    assert set(events[1]["data"]["fields"]) == {"billing_address", "comments"}


async def test_delete_sample_request_cancels_and_keeps_the_order(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    created = await create_sample(client, world, shop)
    r = await client.delete(
        f"{BASE}/orders/{created['_id']}/customers/{shop['customer']}",
        headers={**world.auth("customer"), **FORM},
    )
    assert r.status_code == 200, r.text
    assert r.json() == DELETE_SAMPLE_RESPONSE

    listed = await client.get(
        f"{BASE}/orders/customers/{shop['customer']}", headers=world.auth("customer")
    )
    (order,) = listed.json()
    assert order["_id"] == created["_id"]
    assert order["status"] == "Cancelled"
    assert order["shipping_info"] == created["shipping_info"]
    events = await timeline_of(client, world, int(created["_id"]))
    assert [e["kind"] for e in events] == ["created", "cancelled"]
    assert events[1]["actor"].startswith("customer:")


async def test_list_sample_requests_answer_the_sample_lists(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    first = await create_sample(client, world, shop)
    second = await create_sample(client, world, shop, method="PUT")

    # The customer sample request, with the form body the document sends along with GET.
    r = await client.request(
        "GET",
        f"{BASE}/orders/customers/{shop['customer']}",
        content=CREATE_SAMPLE_BODY,
        headers={**world.auth("customer"), **FORM},
    )
    assert r.status_code == 200, r.text
    by_customer = r.json()
    assert [o["_id"] for o in by_customer] == [first["_id"], second["_id"]]
    for actual, sample in zip(by_customer, LIST_SAMPLE_RESPONSE, strict=True):
        assert_like_sample(actual, sample, ids_of(shop, actual["_id"]))
    assert r.headers["x-total-count"] == "2"

    # The merchant sample request.
    r = await client.get(
        f"{BASE}/orders/merchants/{shop['merchant']}", headers={**world.auth("supplier"), **FORM}
    )
    assert r.status_code == 200, r.text
    by_merchant = r.json()
    assert by_merchant == by_customer
    for actual, sample in zip(by_merchant, LIST_SAMPLE_RESPONSE, strict=True):
        assert_like_sample(actual, sample, ids_of(shop, actual["_id"]))


# --- every route with and without its trailing slash ------------------------------------


@pytest.mark.parametrize("slash", ["", "/"])
async def test_every_route_answers_with_and_without_the_trailing_slash(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any], slash: str
) -> None:
    customer = {**world.auth("customer"), **FORM}
    supplier = {**world.auth("supplier"), **FORM}
    for method in ("POST", "PUT"):
        r = await client.request(
            method, create_url(shop, slash), content=CREATE_SAMPLE_BODY, headers=customer
        )
        assert r.status_code == 201, r.text
    order_id = r.json()["_id"]
    r = await client.get(f"{BASE}/orders/customers/{shop['customer']}{slash}", headers=customer)
    assert r.status_code == 200 and len(r.json()) == 2, r.text
    r = await client.get(f"{BASE}/orders/merchants/{shop['merchant']}{slash}", headers=supplier)
    assert r.status_code == 200 and len(r.json()) == 2, r.text
    r = await client.put(
        f"{BASE}/orders/{order_id}{slash}", content=UPDATE_SAMPLE_BODY, headers=supplier
    )
    assert r.status_code == 200, r.text
    r = await client.delete(
        f"{BASE}/orders/{order_id}/customers/{shop['customer']}{slash}", headers=customer
    )
    assert r.status_code == 200 and r.json() == DELETE_SAMPLE_RESPONSE, r.text
    # No redirects anywhere: errors too answer on both spellings.
    r = await client.get(f"{BASE}/orders/customers/{shop['customer']}{slash}")
    insufficient(r)


# --- create: body shapes -------------------------------------------------------------------


async def test_create_takes_json_nested_in_one_element_arrays(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    r = await client.post(create_url(shop, "/"), json=JSON_BODY, headers=world.auth("customer"))
    assert r.status_code == 201, r.text
    order = r.json()
    # Every field of each group, "" for the ones not sent.
    assert order["shipping_info"] == every_key("shipping_info", JSON_BODY["shipping_info"])
    assert order["billing_info"] == every_key("billing_info", JSON_BODY["billing_info"])
    assert order["comments"] == ["first", "second"]


async def test_create_takes_bare_objects_and_a_string_comment_in_json(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    body = {
        "shipping_info": JSON_BODY["shipping_info"][0],
        "billing_info": JSON_BODY["billing_info"][0],
        "comments": "just one",
    }
    r = await client.put(create_url(shop), json=body, headers=world.auth("customer"))
    assert r.status_code == 201, r.text
    assert r.json()["shipping_info"] == every_key("shipping_info", JSON_BODY["shipping_info"])
    assert r.json()["comments"] == ["just one"]


async def test_create_takes_bracketed_form_fields_and_repeated_comments(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    fields = [
        (f"{group}[0][{name}]", value)
        for group in ("shipping_info", "billing_info")
        for name, value in JSON_BODY[group][0].items()
    ]
    fields += [("comments", "one"), ("comments", "two")]
    r = await client.post(create_url(shop), data=dict(fields[:-2]), headers=world.auth("customer"))
    assert r.status_code == 201, r.text
    assert r.json()["billing_info"] == every_key("billing_info", JSON_BODY["billing_info"])
    assert r.json()["comments"] == []

    encoded = httpx.QueryParams(fields)
    r = await client.post(
        create_url(shop), content=str(encoded), headers={**world.auth("customer"), **FORM}
    )
    assert r.status_code == 201, r.text
    assert r.json()["comments"] == ["one", "two"]
    assert r.json()["shipping_info"] == every_key("shipping_info", JSON_BODY["shipping_info"])


async def test_create_merchant_info_is_the_merchants_registered_account(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    body = {
        **JSON_BODY,
        "merchant_info": [
            {
                "merchant_id": str(shop["merchant"]),
                "companyName": "Whatever the client thinks",
                "primaryContact": "x",
                "phoneNumber": "y",
            }
        ],
        "_createdBy": "ignored: system-generated",
        "created_date": "2019-02-12T02:16:49.482Z",
    }
    r = await client.post(create_url(shop), json=body, headers=world.auth("customer"))
    assert r.status_code == 201, r.text
    assert r.json()["merchant_info"][0]["companyName"] == "Records & Co"
    assert r.json()["_createdBy"] == str(shop["customer"])

    body["merchant_info"][0]["merchant_id"] = str(world.accounts["supplier_other"])
    r = await client.post(create_url(shop), json=body, headers=world.auth("customer"))
    assert "merchant_id" in error(r, 400)


async def test_customer_info_names_are_the_contacts_given_and_family_names(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    contact = {
        "contact_person": "Dr. Amara Osei",
        "contact_given_name": "Amara",
        "contact_family_name": "Osei",
    }
    r = await client.patch(
        f"/v1/accounts/{shop['customer']}", json=contact, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    r = await client.post(create_url(shop), json=JSON_BODY, headers=world.auth("customer"))
    assert r.status_code == 201, r.text
    (info,) = r.json()["customer_info"]
    assert (info["firstName"], info["lastName"]) == ("Amara", "Osei")
    listed = await client.get(
        f"{BASE}/orders/customers/{shop['customer']}", headers=world.auth("customer")
    )
    assert [o["customer_info"] for o in listed.json()] == [[info]]


async def test_customer_info_names_are_empty_strings_when_the_contact_has_none(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    unnamed = {"contact_given_name": None, "contact_family_name": None}
    r = await client.patch(
        f"/v1/accounts/{shop['customer']}",
        json={**unnamed, "contact_person": "Dr. Amara Osei"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text
    r = await client.post(create_url(shop), json=JSON_BODY, headers=world.auth("customer"))
    assert r.status_code == 201, r.text
    (info,) = r.json()["customer_info"]
    assert (info["firstName"], info["lastName"]) == ("", "")  # not guessed from the person


# --- create: errors ----------------------------------------------------------------------


async def test_create_without_a_body_names_every_required_field(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    for r in (
        await client.post(create_url(shop), headers=world.auth("customer")),
        await client.post(create_url(shop), json={}, headers=world.auth("customer")),
        await client.put(
            create_url(shop, "/"), content="", headers={**world.auth("customer"), **FORM}
        ),
    ):
        message = error(r, 400)
        assert message == "Missing required fields: " + ", ".join(REQUIRED)


async def test_create_names_only_the_missing_fields(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    body = CREATE_SAMPLE_BODY.replace("shipping_city=Raleigh&", "").replace(
        "paypal_email=paypal%40example.com&", "paypal_email=%20&"
    )
    r = await client.post(
        create_url(shop), content=body, headers={**world.auth("customer"), **FORM}
    )
    assert error(r, 400) == "Missing required fields: shipping_city, paypal_email"

    nested = {"shipping_info": [{"shipping_address1": "1 Dock St"}], "billing_info": []}
    r = await client.post(create_url(shop), json=nested, headers=world.auth("customer"))
    message = error(r, 400)
    missing = message.removeprefix("Missing required fields: ").split(", ")
    assert missing == [name for name in REQUIRED if name != "shipping_address1"]

    r = await client.get(
        f"{BASE}/orders/customers/{shop['customer']}", headers=world.auth("customer")
    )
    assert r.json() == []  # nothing was half-written


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"shipping_zip": "9" * 21}, "shipping_zip"),
        ({"shipping_address1": "x" * 201}, "shipping_address1"),
        ({"paypal_email": "not an email"}, "paypal_email"),
        ({"billing_city": 7}, "billing_city"),
        ({"colour": "red"}, "colour"),
        ({"comments": [1]}, "comments"),
        ({"comments": ["x" * 1001]}, "comments"),
        ({"status": "Completed"}, "status"),
    ],
)
async def test_create_names_each_invalid_field(
    client: httpx.AsyncClient,
    world: World,
    shop: dict[str, Any],
    change: dict[str, Any],
    named: str,
) -> None:
    flat = {
        **{k: v for g in ("shipping_info", "billing_info") for k, v in JSON_BODY[g][0].items()},
        **change,
    }
    r = await client.post(create_url(shop), json=flat, headers=world.auth("customer"))
    message = error(r, 400)
    assert message.startswith("Invalid request: "), message
    assert f"{named}: " in message, message


async def test_create_refuses_two_element_groups_and_conflicting_spellings(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    body = {**JSON_BODY, "shipping_info": JSON_BODY["shipping_info"] * 2}
    r = await client.post(create_url(shop), json=body, headers=world.auth("customer"))
    assert "shipping_info: must hold one element" in error(r, 400)

    body = {**JSON_BODY, "shipping_city": "Elsewhere"}
    r = await client.post(create_url(shop), json=body, headers=world.auth("customer"))
    assert "shipping_city: given both flat and in shipping_info" in error(r, 400)

    r = await client.post(
        create_url(shop), json=["not", "an", "object"], headers=world.auth("customer")
    )
    error(r, 400)
    r = await client.post(
        create_url(shop),
        content=b"{not json",
        headers={**world.auth("customer"), "Content-Type": "application/json"},
    )
    error(r, 400)


async def test_only_customers_create(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    for headers in (
        world.auth("supplier"),
        world.auth("supplier_other"),
        {},
        {"Authorization": "Bearer od_nope_nope"},
        {"Authorization": f"Basic {world.keys['customer']}"},
    ):
        r = await client.post(
            create_url(shop), content=CREATE_SAMPLE_BODY, headers={**headers, **FORM}
        )
        insufficient(r)
        assert r.headers["www-authenticate"].startswith("Bearer")


async def test_create_for_an_unknown_record_or_merchant_is_404(
    client: httpx.AsyncClient, world: World, other_world: World, shop: dict[str, Any]
) -> None:
    other_record = await product_following(client, world, "rso-record", supplier="supplier_other")
    foreign = await product_following(client, other_world, "rso-record")
    merchant, record = shop["merchant"], shop["record"]
    for path in (
        f"/orders/merchants/{merchant}/records/999999999",
        f"/orders/merchants/{merchant}/records/5c679811bb102c001706bf0b",
        f"/orders/merchants/5c679751bb102c001706bf0a/records/{record}",
        f"/orders/merchants/999999999/records/{record}",
        f"/orders/merchants/{world.accounts['customer']}/records/{record}",
        f"/orders/merchants/{merchant}/records/{other_record}",
        f"/orders/merchants/{world.accounts['supplier_other']}/records/{record}",
        f"/orders/merchants/{merchant}/records/{foreign}",
        f"/orders/merchants/{merchant}/records/99999999999999999999999",
    ):
        r = await client.post(
            BASE + path, content=CREATE_SAMPLE_BODY, headers={**world.auth("customer"), **FORM}
        )
        assert error(r, 404) == "Record not found. Check record id.", path


async def test_a_record_that_is_not_orderable_is_a_400_naming_it(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    r = await client.patch(
        f"/v1/products/{shop['record']}", json={"orderable": False}, headers=world.auth("supplier")
    )
    assert r.status_code == 200, r.text
    r = await client.post(create_url(shop), json=JSON_BODY, headers=world.auth("customer"))
    assert error(r, 400) == f"Invalid request: recordId: product {shop['record']} is not orderable"


async def test_orders_of_a_record_without_the_workflow_follow_the_merchants_default(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    catalog = await make_catalog(client, world)  # its product names no workflow
    r = await client.post(
        f"{BASE}/orders/merchants/{shop['merchant']}/records/{catalog.product_id}",
        json=JSON_BODY,
        headers=world.auth("customer"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "In progress"
    assert r.json()["record_id"] == str(catalog.product_id)


# --- lists ---------------------------------------------------------------------------------


async def test_lists_take_limit_sort_and_offset(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    made = []
    for n in range(3):
        body = {**JSON_BODY, "comments": [f"order {n}"]}
        r = await client.post(create_url(shop), json=body, headers=world.auth("customer"))
        assert r.status_code == 201, r.text
        made.append(r.json()["_id"])
    for url, who in (
        (f"{BASE}/orders/customers/{shop['customer']}", "customer"),
        (f"{BASE}/orders/merchants/{shop['merchant']}/", "supplier"),
    ):

        async def ids(who: str = who, url: str = url, **params: Any) -> list[str]:
            r = await client.get(url, params=params, headers=world.auth(who))
            assert r.status_code == 200, r.text
            assert r.headers["x-total-count"] == "3"
            return [o["_id"] for o in r.json()]

        assert await ids() == made
        assert await ids(sort="asc") == made
        assert await ids(sort="1") == made
        assert await ids(sort="desc") == made[::-1]
        assert await ids(sort="-1") == made[::-1]
        assert await ids(limit=2) == made[:2]
        assert await ids(limit=2, offset=2) == made[2:]
        assert await ids(limit=1, offset=1, sort="-1") == [made[1]]
        assert await ids(offset=3) == []
        assert await ids(offset=2**62) == []
        assert await ids(limit=1000) == made
        assert await ids(limit=2**63 - 1, offset=1) == made[1:]

        for params, named in (
            ({"sort": "name"}, "sort"),
            ({"sort": ""}, "sort"),
            ({"limit": 2**63}, "limit"),
            ({"limit": 0}, "limit"),
            ({"limit": -1}, "limit"),
            ({"limit": "all"}, "limit"),
            ({"offset": -1}, "offset"),
            ({"offset": "x"}, "offset"),
        ):
            r = await client.get(url, params=params, headers=world.auth(who))
            assert f"{named}" in error(r, 400), params


async def place(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any], count: int
) -> list[str]:
    """``count`` orders of the customer with the merchant, oldest first: their ids."""
    made = []
    for n in range(count):
        body = {**JSON_BODY, "comments": [f"order {n}"]}
        r = await client.post(create_url(shop), json=body, headers=world.auth("customer"))
        assert r.status_code == 201, r.text
        made.append(r.json()["_id"])
    return made


def list_urls(shop: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (f"{BASE}/orders/customers/{shop['customer']}/", "customer"),
        (f"{BASE}/orders/merchants/{shop['merchant']}/", "supplier"),
    ]


async def test_a_limit_past_1000_is_accepted_and_answers_every_order_when_fewer(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    made = await place(client, world, shop, 2)
    for url, who in list_urls(shop):
        r = await client.get(url, params={"limit": 1001}, headers=world.auth(who))
        assert r.status_code == 200, r.text
        assert [o["_id"] for o in r.json()] == made
        assert r.headers["x-total-count"] == "2"


async def test_a_list_longer_than_the_internal_page_comes_back_whole_and_in_order(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any], monkeypatch
) -> None:
    monkeypatch.setattr(rso_routes, "PAGE_SIZE", 2)
    made = await place(client, world, shop, 6)  # three pages' worth
    for url, who in list_urls(shop):
        for params, expected in (({}, made), ({"sort": "desc"}, made[::-1])):
            r = await client.get(url, params=params, headers=world.auth(who))
            assert r.status_code == 200, r.text
            assert r.headers["content-type"] == "application/json"
            assert r.headers["x-total-count"] == "6"
            answer = r.json()
            assert [o["_id"] for o in answer] == expected
            assert [o["comments"] for o in answer] == [[f"order {made.index(i)}"] for i in expected]


async def test_offset_and_limit_slice_across_internal_page_boundaries(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any], monkeypatch
) -> None:
    monkeypatch.setattr(rso_routes, "PAGE_SIZE", 2)
    made = await place(client, world, shop, 7)
    url, who = list_urls(shop)[0]
    for offset, limit in ((1, 4), (2, 4), (3, 3), (1, None), (0, 5), (5, 9), (6, 1), (7, 2)):
        for sort, ordered in (("asc", made), ("desc", made[::-1])):
            params: dict[str, Any] = {"offset": offset, "sort": sort}
            if limit is not None:
                params["limit"] = limit
            r = await client.get(url, params=params, headers=world.auth(who))
            assert r.status_code == 200, r.text
            assert r.headers["x-total-count"] == "7"
            end = None if limit is None else offset + limit
            assert [o["_id"] for o in r.json()] == ordered[offset:end], params


async def test_lists_answer_only_the_callers_own_account(
    client: httpx.AsyncClient, world: World, other_world: World, shop: dict[str, Any]
) -> None:
    await create_sample(client, world, shop)
    customer, merchant = shop["customer"], shop["merchant"]
    for path, who, message in (
        (f"customers/{world.accounts['customer_other']}", "customer", "Customer not found."),
        (f"customers/{customer}", "customer_other", "Customer not found."),
        (f"customers/{customer}", "supplier", "Customer not found."),
        (f"customers/{merchant}", "supplier", "Customer not found."),
        ("customers/5c6777d1d6a7470017de33c3", "customer", "Customer not found."),
        (f"merchants/{world.accounts['supplier_other']}", "supplier", "Merchant not found."),
        (f"merchants/{merchant}", "supplier_other", "Merchant not found."),
        (f"merchants/{merchant}", "customer", "Merchant not found."),
        (f"merchants/{customer}", "customer", "Merchant not found."),
        (f"merchants/{customer}", "admin", "Merchant not found."),
        (f"customers/{merchant}", "admin", "Customer not found."),
        ("customers/999999999", "admin", "Customer not found."),
    ):
        r = await client.get(f"{BASE}/orders/{path}", headers=world.auth(who))
        assert error(r, 404).startswith(message), (path, who)
    # Another tenant's keys see nothing of this one.
    r = await client.get(f"{BASE}/orders/customers/{customer}", headers=other_world.auth("admin"))
    error(r, 404)
    # Admins list any account's orders.
    for path in (f"customers/{customer}", f"merchants/{merchant}"):
        r = await client.get(f"{BASE}/orders/{path}", headers=world.auth("admin"))
        assert r.status_code == 200 and len(r.json()) == 1, r.text
    # Missing or bad credentials.
    insufficient(await client.get(f"{BASE}/orders/customers/{customer}"))
    insufficient(
        await client.get(
            f"{BASE}/orders/merchants/{merchant}", headers={"Authorization": "Bearer nope"}
        )
    )


# --- update ---------------------------------------------------------------------------------


async def test_update_is_the_orders_merchants_only(
    client: httpx.AsyncClient, world: World, other_world: World, shop: dict[str, Any]
) -> None:
    order = await create_sample(client, world, shop)
    url = f"{BASE}/orders/{order['_id']}/"
    for who in ("customer", "customer_other"):
        insufficient(
            await client.put(url, content=UPDATE_SAMPLE_BODY, headers={**world.auth(who), **FORM})
        )
    insufficient(await client.put(url, content=UPDATE_SAMPLE_BODY, headers=FORM))
    for r in (
        await client.put(
            url, content=UPDATE_SAMPLE_BODY, headers={**world.auth("supplier_other"), **FORM}
        ),
        await client.put(url, json={}, headers=other_world.auth("supplier")),
        await client.put(f"{BASE}/orders/999999999", json={}, headers=world.auth("supplier")),
        await client.put(
            f"{BASE}/orders/5c68a588fc924b00178bf143", json={}, headers=world.auth("supplier")
        ),
    ):
        assert error(r, 404) == "Order not found. Check order id."
    # Nothing changed.
    listed = await client.get(
        f"{BASE}/orders/merchants/{shop['merchant']}", headers=world.auth("supplier")
    )
    assert listed.json() == [order]
    # Admins may, as in the core.
    r = await client.put(url, json={"comments": "by admin"}, headers=world.auth("admin"))
    assert r.status_code == 200 and r.json()["comments"] == ["by admin"], r.text


async def test_update_takes_json_and_flat_fields_and_keeps_what_it_cannot_show(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    order = await create_sample(client, world, shop)
    url = f"{BASE}/orders/{order['_id']}"
    merchant = world.auth("supplier")

    r = await client.put(
        url,
        json={
            "shipping_info": [
                {
                    "shipping_address1": "9 New St",
                    "shipping_city": "Cary",
                    "shipping_state": "NC",
                    "shipping_zip": "27511",
                }
            ]
        },
        headers=merchant,
    )
    assert r.status_code == 200, r.text
    assert r.json()["shipping_info"] == [
        {
            "shipping_address1": "9 New St",
            "shipping_address2": "",
            "shipping_city": "Cary",
            "shipping_state": "NC",
            "shipping_zip": "27511",
        }
    ]
    assert r.json()["billing_info"] == order["billing_info"]
    assert r.json()["comments"] == order["comments"]

    # Flat form fields are the same group.
    r = await client.put(
        url,
        content="billing_city=Durham&paypal_email=new%40example.com&comments=",
        headers={**merchant, **FORM},
    )
    assert r.status_code == 200, r.text
    assert r.json()["billing_info"] == every_key(
        "billing_info", [{"paypal_email": "new@example.com", "billing_city": "Durham"}]
    )
    assert r.json()["comments"] == []

    # An empty update changes nothing (and is no new version).
    r = await client.put(url, headers=merchant)
    assert r.status_code == 200, r.text
    assert r.json()["__v"] == 2

    # Address fields this API cannot show (country) survive its updates.
    r = await client.patch(
        f"/v1/orders/{order['_id']}",
        json={"shipping_address": {"line_one": "1 A St", "country": "US"}},
        headers=merchant,
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        url, json={"shipping_info": {"shipping_address1": "2 B St"}}, headers=merchant
    )
    assert r.status_code == 200, r.text
    native = await read_order(client, world, int(order["_id"]))
    assert native["shipping_address"]["line_one"] == "2 B St"
    assert native["shipping_address"]["country"] == "US"

    for body, named in (
        ({"merchant_info": [{"merchant_id": "1"}]}, "merchant_info"),
        ({"_id": "1"}, "_id"),
        ({"billing_info": [{"paypal_email": "nope"}]}, "paypal_email"),
        ({"shipping_info": [{"shipping_zip": "1" * 21}]}, "shipping_zip"),
        ({"status": "Shipped"}, "status"),
    ):
        r = await client.put(url, json=body, headers=merchant)
        assert f"{named}: " in error(r, 400), body


async def test_if_match_guards_lost_updates(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    order = await create_sample(client, world, shop)
    url = f"{BASE}/orders/{order['_id']}"
    merchant = world.auth("supplier")
    r = await client.put(url, json={"comments": "a"}, headers={**merchant, "If-Match": '"1"'})
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    r = await client.put(url, json={"comments": "b"}, headers={**merchant, "If-Match": '"1"'})
    assert "version 2" in error(r, 412)


async def test_the_merchant_completes_by_status_and_then_the_customer_cannot_cancel(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    order = await create_sample(client, world, shop)
    url = f"{BASE}/orders/{order['_id']}"
    r = await client.put(
        url, content="status=Completed&comments=Shipped", headers={**world.auth("supplier"), **FORM}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "Completed"
    assert r.json()["comments"] == ["Shipped"]
    events = await timeline_of(client, world, int(order["_id"]))
    assert [e["kind"] for e in events] == ["created", "changed", "status_moved"]

    r = await client.delete(f"{url}/customers/{shop['customer']}/", headers=world.auth("customer"))
    message = error(r, 409)
    assert "Completed" in message and "cancel" in message
    # A closed order does not change any more, through this API either.
    r = await client.put(url, json={"comments": "late"}, headers=world.auth("supplier"))
    assert "closed" in error(r, 409)
    r = await client.put(url, json={"status": "In progress"}, headers=world.auth("supplier"))
    error(r, 409)


async def test_a_status_change_that_fails_changes_nothing(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    order = await create_sample(client, world, shop)
    url = f"{BASE}/orders/{order['_id']}"
    merchant = world.auth("supplier")
    # In this workflow a merchant cannot cancel (the customer does, by DELETE): the
    # comments edited in the same request are not kept either.
    r = await client.put(url, json={"status": "Cancelled", "comments": ["gone"]}, headers=merchant)
    insufficient(r)
    listed = await client.get(f"{BASE}/orders/merchants/{shop['merchant']}", headers=merchant)
    assert listed.json() == [order]
    events = await timeline_of(client, world, int(order["_id"]))
    assert [e["kind"] for e in events] == ["created"]
    # The current status is no move at all.
    r = await client.put(url, json={"status": "In progress"}, headers=merchant)
    assert r.status_code == 200 and r.json()["status"] == "In progress", r.text
    assert r.json()["__v"] == 0


# --- cancel ----------------------------------------------------------------------------------


async def test_only_the_orders_customer_cancels(
    client: httpx.AsyncClient, world: World, other_world: World, shop: dict[str, Any]
) -> None:
    order = await create_sample(client, world, shop)
    customer = shop["customer"]
    url = f"{BASE}/orders/{order['_id']}/customers/{customer}"
    # Merchants never cancel (any order: as for customers on update).
    for who in ("supplier", "supplier_other"):
        insufficient(await client.delete(url, headers=world.auth(who)))
    insufficient(await client.delete(url))
    for r in (
        await client.delete(url, headers=world.auth("customer_other")),
        await client.delete(url, headers=other_world.auth("customer")),
        await client.delete(
            f"{BASE}/orders/{order['_id']}/customers/{world.accounts['customer_other']}",
            headers=world.auth("customer"),
        ),
        await client.delete(
            f"{BASE}/orders/{order['_id']}/customers/5c6777d1d6a7470017de33c3",
            headers=world.auth("customer"),
        ),
        await client.delete(
            f"{BASE}/orders/999999999/customers/{customer}", headers=world.auth("customer")
        ),
    ):
        assert error(r, 404) == "Order not found. Check order id."
    r = await client.delete(url, headers=world.auth("customer"))
    assert r.json() == DELETE_SAMPLE_RESPONSE
    r = await client.delete(url, headers=world.auth("customer"))
    assert "Cancelled" in error(r, 409)


# --- orders from elsewhere ------------------------------------------------------------------


async def test_an_order_placed_natively_from_a_record_reads_here(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    catalog = await make_catalog(client, world)
    device = await product_following(client, world, "impilo-device")
    native = await make_order(
        client,
        world,
        catalog,
        product_id=device,
        shipping_address={
            "line_one": "5 Main St",
            "city": "Apex",
            "state": "NC",
            "zip_code": "27502",
            "country": "US",
        },
        billing_address={"line_one": "6 Main St", "city": "Apex", "email": "ap@example.com"},
        comments=["native"],
    )
    r = await client.get(
        f"{BASE}/orders/customers/{shop['customer']}", headers=world.auth("customer")
    )
    (order,) = r.json()
    assert order == {
        "status": "In progress",  # impilo-device "new"
        "_id": str(native["id"]),
        "record_id": str(device),
        "merchant_id": str(shop["merchant"]),
        "customer_info": [CREATE_SAMPLE_RESPONSE["customer_info"][0]],
        "shipping_info": [
            {
                "shipping_address1": "5 Main St",
                "shipping_address2": "",
                "shipping_city": "Apex",
                "shipping_state": "NC",
                "shipping_zip": "27502",
            }
        ],
        "billing_info": [
            {
                "paypal_email": "ap@example.com",
                "billing_address1": "6 Main St",
                "billing_address2": "",
                "billing_city": "Apex",
                "billing_state": "",
                "billing_zip": "",
            }
        ],
        "merchant_info": [
            {
                "merchant_id": str(shop["merchant"]),
                "companyName": "Records & Co",
                "primaryContact": "Mona Merchant",
                "phoneNumber": "+1 919 555 0100",
            }
        ],
        "comments": ["native"],
        "_createdBy": str(shop["customer"]),
        "created_date": order["created_date"],
        "__v": 0,
    }
    assert CREATED_DATE.match(order["created_date"])

    # Another workflow's states read by type and outcome. "Completed" from "new" is no
    # single move in the device workflow: the core's 409 lists the moves allowed.
    url = f"{BASE}/orders/{native['id']}"
    r = await client.put(
        url, json={"status": "Completed", "comments": "done?"}, headers=world.auth("supplier")
    )
    assert "processing" in error(r, 409)
    assert (await read_order(client, world, native["id"]))["comments"] == ["native"]
    await moved(client, world, native["id"], "processing", "shipped")
    r = await client.put(url, json={"status": "In progress"}, headers=world.auth("supplier"))
    assert r.json()["status"] == "In progress"
    r = await client.put(url, json={"status": "Completed"}, headers=world.auth("supplier"))
    assert r.status_code == 200 and r.json()["status"] == "Completed", r.text
    assert (await read_order(client, world, native["id"]))["status"]["id"] == "delivered"

    other = await make_order(client, world, catalog, product_id=device)
    r = await client.delete(
        f"{BASE}/orders/{other['id']}/customers/{shop['customer']}", headers=world.auth("customer")
    )
    assert r.json() == DELETE_SAMPLE_RESPONSE
    r = await client.get(
        f"{BASE}/orders/merchants/{shop['merchant']}?sort=-1", headers=world.auth("supplier")
    )
    assert [(o["_id"], o["status"]) for o in r.json()] == [
        (str(other["id"]), "Cancelled"),
        (str(native["id"]), "Completed"),
    ]


async def test_an_order_without_addresses_shows_the_customer_accounts_registered_ones(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    registered = {
        "shipping_address": {"line_one": "1 Clinic Way", "city": "Cary", "zip_code": "27511"},
        "billing_address": {"line_one": "2 Ledger Rd", "state": "NC", "email": "ap@clinic.org"},
    }
    r = await client.patch(
        f"/v1/accounts/{shop['customer']}", json=registered, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    catalog = await make_catalog(client, world)
    native = await make_order(client, world, catalog, product_id=shop["record"])
    r = await client.get(
        f"{BASE}/orders/customers/{shop['customer']}", headers=world.auth("customer")
    )
    (order,) = r.json()
    assert order["_id"] == str(native["id"])
    assert order["shipping_info"] == [
        {
            "shipping_address1": "1 Clinic Way",
            "shipping_address2": "",
            "shipping_city": "Cary",
            "shipping_state": "",
            "shipping_zip": "27511",
        }
    ]
    assert order["billing_info"] == [
        {
            "paypal_email": "ap@clinic.org",
            "billing_address1": "2 Ledger Rd",
            "billing_address2": "",
            "billing_city": "",
            "billing_state": "NC",
            "billing_zip": "",
        }
    ]


async def test_an_order_not_made_from_a_record_is_not_this_apis_to_show(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    catalog = await make_catalog(client, world)
    items_only = await make_order(client, world, catalog)
    for who, path in (
        ("customer", f"orders/customers/{shop['customer']}"),
        ("supplier", f"orders/merchants/{shop['merchant']}"),
    ):
        r = await client.get(f"{BASE}/{path}", headers=world.auth(who))
        assert r.status_code == 200, r.text
        assert r.json() == [] and r.headers["x-total-count"] == "0"
    r = await client.put(
        f"{BASE}/orders/{items_only['id']}", json={"comments": "x"}, headers=world.auth("supplier")
    )
    assert error(r, 404) == "Order not found. Check order id."
    r = await client.delete(
        f"{BASE}/orders/{items_only['id']}/customers/{shop['customer']}",
        headers=world.auth("customer"),
    )
    assert error(r, 404) == "Order not found. Check order id."
    native = await read_order(client, world, items_only["id"])
    assert native["status"]["type"] == "NEW" and native["comments"] == []


async def test_an_order_created_here_reads_natively_for_everyone(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    order = await create_sample(client, world, shop)
    for who in ("customer", "supplier", "admin"):
        native = await read_order(client, world, int(order["_id"]), who=who)
        assert native["id"] == int(order["_id"])
    # The native move completes it; this API shows it.
    await moved(client, world, int(order["_id"]), "Completed")
    r = await client.get(
        f"{BASE}/orders/customers/{shop['customer']}", headers=world.auth("customer")
    )
    assert r.json()[0]["status"] == "Completed"


# --- anything else -------------------------------------------------------------------------


async def test_unknown_routes_and_methods_answer_in_the_vendors_shape(
    client: httpx.AsyncClient, world: World, shop: dict[str, Any]
) -> None:
    r = await client.get(f"{BASE}/records", headers=world.auth("customer"))
    assert error(r, 404) == "Not found"
    r = await client.get(f"{BASE}/orders/1/", headers=world.auth("customer"))
    assert error(r, 405) == "Method not allowed"
    assert "PUT" in r.headers["allow"]
    r = await client.patch(create_url(shop), headers=world.auth("customer"))
    error(r, 405)
    assert set(r.headers["allow"].split(", ")) == {"OPTIONS", "POST", "PUT"}  # OPTIONS answers


async def test_a_body_over_the_size_bound_is_refused_in_the_vendors_shape(client, world, shop):
    too_big = "comments=" + "x" * (70 * 1024)  # the test app takes bodies up to 64 KiB
    r = await client.post(
        create_url(shop), content=too_big, headers={**world.auth("customer"), **FORM}
    )
    assert "at most" in error(r, 413)


async def test_a_malformed_form_field_name_is_refused_in_the_vendors_shape(client, world, shop):
    r = await client.post(
        create_url(shop), content="shipping_info[0=x", headers={**world.auth("customer"), **FORM}
    )
    assert "field name" in error(r, 400)
