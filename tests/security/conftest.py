"""Fixtures of the security tests: one client and the app's route table, shared by all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

#: Where each surface lives; a route outside them all is the app's own (docs, health, OAuth).
SURFACES = {
    "native": "/v1",
    "rayteams": "/compat/rayteams/v1.0",
    "labportal": "/compat/labportal/api-v1",
    "impilo": "/compat/impilo/api/v3",
    "rso": "/compat/rso/api/v1",
}


@dataclass(frozen=True, order=True)
class Route:
    """One method at one path of the app, as its router declares it."""

    method: str
    path: str

    @property
    def surface(self) -> str:
        return next(
            (name for name, base in SURFACES.items() if self.path.startswith(base + "/")), "app"
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def app_routes(app: FastAPI) -> list[Route]:
    """Every method of every endpoint of the app (HEAD and OPTIONS aside: the framework's),
    trailing-slash twins and a vendor's catch-all (``allow.fallback``) included; a mount
    (the docs' static files) is no endpoint."""
    found: set[Route] = set()
    for context in iter_route_contexts(app.routes):
        endpoint = getattr(context.original_route, "endpoint", None)
        if endpoint is None or not context.methods:
            continue  # a mount
        for method in context.methods - {"HEAD", "OPTIONS"}:
            found.add(Route(method, context.path))
    return sorted(found)


@pytest.fixture(scope="session")
def routes(app_and_sessions: tuple[FastAPI, object]) -> list[Route]:
    """The route table of the app under test."""
    return app_routes(app_and_sessions[0])


@pytest.fixture(scope="session")
async def http(
    app_and_sessions: tuple[object, async_sessionmaker[AsyncSession]],
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app for the whole session (``client`` is per test)."""
    app, _ = app_and_sessions
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
