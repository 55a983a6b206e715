"""Idempotency keys: a retried write answers what the first one did, and does nothing twice."""
