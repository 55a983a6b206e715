"""/docs and /redoc work offline: every asset they load is served by the app."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_load_only_assets_the_app_serves(client, page):
    response = await client.get(page)
    assert response.status_code == 200
    assets = re.findall(r"""(?:src|href)=["']([^"']+)""", response.text)
    assert assets
    assert not re.search(r"https?://", response.text)  # nothing from another origin
    for asset in assets:
        assert not urlsplit(asset).netloc, asset
        assert (await client.get(asset)).status_code == 200, asset
