"""``Idempotency-Key`` at the edge, for every surface: claim, replay, keep.

* ``claim_key`` runs once the caller is known (``auth.principal_from`` calls it), before
  the handler: a write that carries the header claims its key (``idempotency.store``);
  if an answer is kept for it, the handler never runs and that answer is replayed,
  status, headers and body as first sent, plus ``Idempotent-Replayed: true``.
* ``keep_answer``, a before-commit hook, keeps the handler's answer in the request's own
  transaction. A request refused (bad input, a conflict, any error) rolls back, keeping
  nothing, so its retry runs anew.
"""

from __future__ import annotations

import datetime as dt

from fastapi import FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.config import Settings
from orderdesk.http.routing import Answered, before_commit_hooks
from orderdesk.idempotency import store
from orderdesk.tenancy.principal import Principal

#: The methods a key applies to: the writes (GET and the like are safe to retry anyway).
KEYED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Headers an answer is replayed without: the server sets them anew each time.
_NOT_KEPT = frozenset({"content-length", "date", "server", "x-request-id"})


async def claim_key(request: Request, session: AsyncSession, principal: Principal) -> None:
    """Claim the request's key for its transaction, or raise ``Answered`` with the kept answer."""
    raw = request.headers.get(store.HEADER)
    if raw is None or request.method not in KEYED_METHODS or principal.credential_id is None:
        return
    key = store.checked_key(raw)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    claim = store.Claim(
        tenant_id=principal.tenant_id,
        credential_id=principal.credential_id,
        key=key,
        fingerprint=store.fingerprint(request.method, target, await request.body()),
    )
    kept = await store.claim(session, claim)
    if kept is not None:
        response = Response(content=kept.body, status_code=kept.status)
        for name, value in store.kept_headers(kept):
            response.headers.append(name, value)
        response.headers[store.REPLAYED_HEADER] = "true"
        raise Answered(response)
    request.state.idempotency_claim = claim


async def keep_answer(request: Request, response: Response, session: AsyncSession) -> None:
    claim: store.Claim | None = getattr(request.state, "idempotency_claim", None)
    body = getattr(response, "body", None)
    if claim is None or not isinstance(body, bytes):  # a streamed answer cannot be kept
        return
    settings: Settings = request.app.state.settings
    store.keep(
        session,
        claim,
        status=response.status_code,
        headers=[(k, v) for k, v in response.headers.items() if k not in _NOT_KEPT],
        body=body,
        ttl=dt.timedelta(seconds=settings.idempotency_key_ttl),
    )


def install(app: FastAPI) -> None:
    before_commit_hooks(app).append(keep_answer)
