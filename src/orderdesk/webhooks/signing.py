"""Standard Webhooks signatures, made with the reference library (``standardwebhooks``).

A secret is ``whsec_`` + base64 of 32 random bytes. Every delivery carries
``webhook-id`` (the event's public id, the same on every retry), ``webhook-timestamp``
(Unix seconds) and ``webhook-signature``: one ``v1,<base64 HMAC-SHA256>`` per secret
that signs now, space-separated, so during a rotation's overlap a receiver holding
either secret verifies it.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret, as receivers configure it."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(signing: Sequence[str], message_id: str, at: dt.datetime, body: bytes) -> str:
    """The ``webhook-signature`` value: a ``v1,`` signature per secret, space-separated."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in signing)


def headers(
    signing: Sequence[str], message_id: str, at: dt.datetime, body: bytes
) -> dict[str, str]:
    """The headers of one signed delivery of ``body`` sent at ``at``."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature(signing, message_id, at, body),
    }
