"""The request's session, opened and committed by the edge's route class (``routing``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession


def current_session(request: Request) -> AsyncSession:
    """The session of the request's unit of work; the route class commits it, nobody else."""
    session: AsyncSession | None = getattr(request.state, "session", None)
    if session is None:
        raise RuntimeError("this route does not run through the edge's route class")
    return session


SessionDep = Annotated[AsyncSession, Depends(current_session)]
