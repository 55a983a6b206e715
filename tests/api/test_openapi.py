"""The OpenAPI document tells what the edge really answers."""

from __future__ import annotations

from typing import Any

import pytest

PROBLEM = {"$ref": "#/components/schemas/Problem"}
IMPILO = "/compat/impilo/api/v3"
RSO = "/compat/rso/api/v1"
RAYTEAMS = "/compat/rayteams/v1.0"
LABPORTAL = "/compat/labportal/api-v1"


@pytest.fixture
async def spec(client) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec: dict[str, Any], prefix: str):
    for path, methods in spec["paths"].items():
        if path.startswith(prefix):
            for method, operation in methods.items():
                yield f"{method.upper()} {path}", operation


async def test_native_errors_are_problem_documents(spec):
    create = spec["paths"]["/v1/orders"]["post"]["responses"]
    assert {"400", "401", "403", "406", "409", "413", "422"} <= set(create)
    for status in ("400", "401", "403", "406", "409", "413", "422"):
        assert create[status]["content"]["application/problem+json"]["schema"] == PROBLEM
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])
    assert problem["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/ProblemFieldError"
    }


async def test_fastapis_validation_error_is_documented_nowhere(spec):
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for label, operation in operations(spec, "/"):
        assert "HTTPValidationError" not in str(operation), label


async def test_each_native_status_is_documented_where_it_can_occur(spec):
    paths = spec["paths"]
    assert {"404", "412", "428"} <= set(paths["/v1/orders/{order_id}"]["patch"]["responses"])
    assert "404" not in paths["/v1/orders"]["get"]["responses"]
    assert "412" not in paths["/v1/orders"]["post"]["responses"]
    assert "428" not in paths["/v1/orders/{order_id}/tags"]["post"]["responses"]
    assert "401" not in paths["/healthz"]["get"]["responses"]


async def test_a_401_documents_its_www_authenticate_header(spec):
    for label, operation in operations(spec, "/"):
        if "401" in operation["responses"]:
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], label


async def test_the_headers_handlers_send_are_documented(spec):
    create = spec["paths"]["/v1/orders"]["post"]["responses"]["201"]["headers"]
    assert create["ETag"]["required"] and create["Location"]["required"]
    read = spec["paths"]["/v1/orders/{order_id}"]["get"]["responses"]["200"]["headers"]
    assert read["ETag"]["required"]
    impilo = spec["paths"][f"{IMPILO}/order"]["post"]["responses"]["201"]["headers"]
    assert "Location" in impilo


async def test_impilo_documents_its_own_error_shape_and_400_for_validation(spec):
    for label, operation in operations(spec, IMPILO):
        responses = operation["responses"]
        assert "422" not in responses, label
        assert responses["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ImpiloError"
        }


async def test_rso_documents_its_own_error_shape_400_and_401_only(spec):
    for label, operation in operations(spec, RSO):
        responses = operation["responses"]
        assert not {"403", "422"} & set(responses), label
        for status in ("400", "401", "404"):
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorMessage"
            }


async def test_labportal_errors_are_problem_documents_in_json_or_xml(spec):
    responses = spec["paths"][f"{LABPORTAL}/commerce/orders/{{id}}"]["get"]["responses"]
    assert set(responses["404"]["content"]) == {
        "application/problem+json",
        "application/problem+xml",
    }
    assert {"application/xml", "text/xml"} <= set(responses["200"]["content"])


async def test_the_rayteams_client_header_is_optional_and_checked_when_sent(spec):
    for label, operation in operations(spec, RAYTEAMS):
        (header,) = [p for p in operation["parameters"] if p["name"] == "x-rayteams-client-id"]
        assert not header.get("required"), label
        assert header["schema"]["type"] == "string"
        assert "anyOf" not in header["schema"], label
        assert (header["schema"]["minLength"], header["schema"]["maxLength"]) == (1, 200)
        assert not {"x-orderdesk-enforced", "x-orderdesk-checked"} & set(header["schema"])
        assert "400" in operation["responses"]


async def test_rso_lists_document_limit_as_any_positive_64_bit_integer(spec):
    for path in (
        f"{RSO}/orders/customers/{{customerId}}/",
        f"{RSO}/orders/merchants/{{merchantId}}/",
    ):
        (limit,) = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "limit"]
        assert not limit["required"]
        (schema,) = [s for s in limit["schema"]["anyOf"] if s["type"] == "integer"]
        assert (schema["minimum"], schema["maximum"]) == (1, 2**63 - 1), path


async def test_native_answers_are_documented_as_xml_too(spec):
    for label, operation in operations(spec, "/v1/"):
        responses = operation["responses"]
        success = next(r for s, r in responses.items() if s.startswith("2"))
        assert "application/xml" in success["content"], label
        assert "application/problem+xml" in responses["406"]["content"], label
    assert "application/xml" not in str(spec["paths"][f"{RAYTEAMS}/order/{{_orderId}}"])


async def test_bodies_are_documented_as_json_or_form(spec):
    form = "application/x-www-form-urlencoded"
    for path, method in (("/v1/orders", "post"), (f"{RSO}/orders/{{orderId}}/", "put")):
        content = spec["paths"][path][method]["requestBody"]["content"]
        assert content[form] == content["application/json"]


async def test_a_list_documents_the_sorts_it_takes(spec):
    (sort,) = [p for p in spec["paths"]["/v1/items"]["get"]["parameters"] if p["name"] == "sort"]
    assert sort["schema"]["enum"] == ["id", "-id", "name", "-name", "sku", "-sku"]
    timeline = spec["paths"]["/v1/orders/{order_id}/timeline"]["get"]["parameters"]
    assert "sort" not in {p["name"] for p in timeline}  # one order only: oldest first


async def test_a_field_that_refuses_null_is_documented_without_it(spec):
    name = spec["components"]["schemas"]["ItemUpdate"]["properties"]["name"]
    assert name["type"] == "string" and "anyOf" not in name


async def test_64_bit_bounds_are_exact(spec):
    (account,) = [
        p for p in spec["paths"]["/v1/items"]["get"]["parameters"] if p["name"] == "account_id"
    ]
    assert account["schema"]["anyOf"][0]["maximum"] == 2**63 - 1  # not 2**63, as a float says
