"""Impilo API v3 orders (seeds 002, 003), under /compat/impilo/api/v3."""
