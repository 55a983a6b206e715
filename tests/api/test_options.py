"""OPTIONS and 405 answers name every method of the path in ``Allow``."""

from __future__ import annotations

import pytest

IMPILO = "/compat/impilo/api/v3"
RSO = "/compat/rso/api/v1"


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/orders", "GET, OPTIONS, POST"),
        ("/v1/orders/1", "GET, OPTIONS, PATCH"),
        (f"{IMPILO}/order", "GET, OPTIONS, POST"),
        (f"{RSO}/orders/merchants/1/records/2/", "OPTIONS, POST, PUT"),
    ],
)
async def test_options_lists_every_method_of_the_path(client, path, methods):
    response = await client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == methods


async def test_a_405_lists_every_method_of_the_path(client, world):
    response = await client.delete("/v1/orders", headers=world.auth("customer"))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, OPTIONS, POST"


async def test_options_on_an_unknown_path_is_a_404(client):
    assert (await client.options("/v1/nothing-here")).status_code == 404
