"""Rate limits: per credential after authentication (the Record Stack Overflow surface with
its own), and per client address for failed authentications; 429s in each surface's shape
with ``Retry-After`` and the IETF draft's ``RateLimit`` / ``RateLimit-Policy`` fields."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from orderdesk.app import create_app
from orderdesk.config import Settings
from tests.api.builders import value
from tests.conftest import World

OFF = {"rate_limit": "off", "rso_rate_limit": "off", "auth_failure_rate_limit": "off"}

Clients = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def limited(database_url: str) -> Clients:
    """``limited(**settings)``: a client of a new app on the test database whose rate limits
    are off but for those given; ``address=`` picks the client's address."""

    @asynccontextmanager
    async def make(address: str = "10.0.0.1", **limits: str) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(Settings(database_url=database_url, **{**OFF, **limits}))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=(address, 50000))
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                http.app = app  # type: ignore[attr-defined]
                yield http

    return make


def field(response: httpx.Response, name: str) -> dict[str, Any]:
    """A ``RateLimit`` or ``RateLimit-Policy`` field's one item: its name and parameters."""
    value = response.headers[name]
    match = re.fullmatch(r'"([^"]+)"((?:;[a-z]+=\d+)+)', value)
    assert match, value
    params = dict(p.split("=") for p in match.group(2).strip(";").split(";"))
    return {"name": match.group(1), **{k: int(v) for k, v in params.items()}}


async def calls(http: httpx.AsyncClient, n: int, url: str, headers: dict[str, str]) -> list[Any]:
    return [await http.get(url, headers=headers) for _ in range(n)]


async def test_the_call_past_the_limit_is_a_429_problem_whose_headers_agree(
    limited: Clients, world: World
) -> None:
    async with limited(rate_limit="3/minute") as http:
        *allowed, refused = await calls(http, 4, "/v1/orders", world.auth("customer"))
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"] == "urn:orderdesk:problem:too_many_requests"
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert field(refused, "ratelimit-policy") == {"name": "default", "q": 3, "w": 60}
    assert field(refused, "ratelimit") == {"name": "default", "r": 0, "t": retry_after}


async def test_answers_within_the_limit_say_what_remains(limited: Clients, world: World) -> None:
    async with limited(rate_limit="3/minute") as http:
        answers = await calls(http, 3, "/v1/orders", world.auth("customer"))
    assert [field(r, "ratelimit")["r"] for r in answers] == [2, 1, 0]
    assert "retry-after" not in answers[0].headers


async def test_another_credential_keeps_its_own_count(limited: Clients, world: World) -> None:
    async with limited(rate_limit="3/minute") as http:
        await calls(http, 4, "/v1/orders", world.auth("customer"))
        other = await http.get("/v1/orders", headers=world.auth("customer_other"))
    assert other.status_code == 200
    assert field(other, "ratelimit")["r"] == 2


async def test_an_address_past_its_failed_authentications_is_refused_before_any_check(
    limited: Clients, world: World
) -> None:
    bad = {"Authorization": "Bearer od_not_a_key"}
    async with limited(auth_failure_rate_limit="3/minute") as http:
        failures = await calls(http, 3, "/v1/orders", bad)
        refused = await http.get("/v1/orders", headers=world.auth("customer"))
    assert [r.status_code for r in failures] == [401, 401, 401]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert field(refused, "ratelimit-policy") == {"name": "auth", "q": 3, "w": 60}


async def test_failed_authentications_from_one_address_leave_another_alone(
    limited: Clients, world: World
) -> None:
    bad = {"Authorization": "Bearer od_not_a_key"}
    async with limited(address="10.0.0.7", auth_failure_rate_limit="3/minute") as http:
        await calls(http, 4, "/v1/orders", bad)
        transport = httpx.ASGITransport(app=http.app, client=("10.0.0.8", 50000))  # type: ignore[attr-defined]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
            answer = await other.get("/v1/orders", headers=world.auth("customer"))
    assert answer.status_code == 200


async def test_rso_answers_its_own_429_shape_with_retry_after(
    limited: Clients, world: World
) -> None:
    url = f"/compat/rso/api/v1/orders/customers/{world.accounts['customer']}/"
    async with limited(rso_rate_limit="3/minute") as http:
        *allowed, refused = await calls(http, 4, url, world.auth("customer"))
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json() == {
        "error_message": "Too many request, please try again later",
        "response_code": 429,
    }
    assert int(refused.headers["retry-after"]) == field(refused, "ratelimit")["t"]


async def test_rso_defaults_to_100_calls_per_15_minutes(
    limited: Clients, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORDERDESK_RSO_RATE_LIMIT", raising=False)
    assert Settings().rso_rate_limit == "100/15minutes"
    url = f"/compat/rso/api/v1/orders/customers/{world.accounts['customer']}/"
    async with limited(rso_rate_limit=Settings().rso_rate_limit) as http:
        answer = await http.get(url, headers=world.auth("customer"))
    assert answer.status_code == 200
    assert field(answer, "ratelimit-policy") == {"name": "default", "q": 100, "w": 900}
    assert field(answer, "ratelimit")["r"] == 99


async def test_rso_calls_do_not_count_against_the_general_limit(
    limited: Clients, world: World
) -> None:
    url = f"/compat/rso/api/v1/orders/customers/{world.accounts['customer']}/"
    async with limited(rate_limit="3/minute", rso_rate_limit="10/minute") as http:
        await calls(http, 5, url, world.auth("customer"))
        native = await http.get("/v1/orders", headers=world.auth("customer"))
    assert native.status_code == 200
    assert field(native, "ratelimit")["r"] == 2


@pytest.mark.parametrize(
    ("url", "auth", "check"),
    [
        (
            "/compat/impilo/api/v3/order",
            "Impilo-API-Key",
            lambda body: body["status"] == 429 and body["error"] == "Too Many Requests",
        ),
        (
            "/compat/rayteams/v1.0/order/1",
            "Authorization",
            lambda body: body["status"] == 429 and body["title"] == "Too many requests",
        ),
        (
            "/compat/labportal/api-v1/commerce/orders/1",
            "Authorization",
            lambda body: body["status"] == 429 and body["title"] == "Too many requests",
        ),
    ],
    ids=["impilo", "rayteams", "labportal"],
)
async def test_other_compat_surfaces_answer_429_in_their_own_shape(
    limited: Clients, world: World, url: str, auth: str, check: Callable[[Any], bool]
) -> None:
    key = world.keys["customer"]
    headers = {auth: key if auth != "Authorization" else f"Bearer {key}"}
    async with limited(rate_limit="1/minute") as http:
        await http.get(url, headers=headers)
        refused = await http.get(url, headers=headers)
    assert refused.status_code == 429
    assert check(refused.json())
    assert int(refused.headers["retry-after"]) == field(refused, "ratelimit")["t"]


async def test_off_turns_every_limit_off(limited: Clients, world: World) -> None:
    bad = {"Authorization": "Bearer od_not_a_key"}
    async with limited() as http:
        answers = await calls(http, 10, "/v1/orders", world.auth("customer"))
        failures = await calls(http, 10, "/v1/orders", bad)
    assert {r.status_code for r in answers} == {200}
    assert {r.status_code for r in failures} == {401}
    assert "ratelimit" not in answers[-1].headers


@pytest.mark.parametrize(
    "setting",
    ["ORDERDESK_RATE_LIMIT", "ORDERDESK_RSO_RATE_LIMIT", "ORDERDESK_AUTH_FAILURE_RATE_LIMIT"],
)
def test_a_rate_that_does_not_parse_is_refused_at_start_up_naming_the_setting(
    setting: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(setting, "lots per minute")
    with pytest.raises(ValidationError, match=f"{setting} must be a rate such as '600/minute'"):
        Settings()


def test_a_redis_url_of_another_scheme_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="ORDERDESK_REDIS_URL must be a redis://"):
        Settings(redis_url="http://127.0.0.1:6379/0")


async def test_the_document_lists_the_429_and_its_headers_on_authenticated_operations(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, method in (("/v1/orders", "get"), ("/compat/rso/api/v1/orders/{orderId}/", "put")):
        refused = document["paths"][path][method]["responses"]["429"]
        assert set(refused["headers"]) == {"Retry-After", "RateLimit", "RateLimit-Policy"}, path


async def test_wrong_client_secrets_at_the_token_endpoint_count_as_failed_authentications(
    limited: Clients, world: World
) -> None:
    prefix = world.keys["customer"][:15]
    wrong = {"grant_type": "client_credentials", "client_id": prefix, "client_secret": "od_x"}
    async with limited(auth_failure_rate_limit="2/minute") as http:
        failures = [(await http.post("/oauth/token", data=wrong)).status_code for _ in range(2)]
        right = {**wrong, "client_secret": world.keys["customer"]}
        refused = await http.post("/oauth/token", data=right)
    assert failures == [401, 401]
    assert refused.status_code == 429
    assert "retry-after" in refused.headers


async def test_a_rate_limit_refusal_is_counted_by_its_limit(limited: Clients, world: World) -> None:
    async with limited(rate_limit="1/minute") as http:
        before = await value(http, "orderdesk_rate_limit_refusals_total", limit="credential")
        answers = [
            (await http.get("/v1/orders", headers=world.auth("customer"))).status_code
            for _ in range(3)
        ]

        assert answers == [200, 429, 429]
        after = await value(http, "orderdesk_rate_limit_refusals_total", limit="credential")
        assert after == before + 2
