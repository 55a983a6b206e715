"""Tenants, accounts, credentials and the principal that calls."""
