"""Record Stack Overflow API v1 orders (seed 004), under /compat/rso/api/v1."""
