"""Devices: units of a supplier's items, their identifiers, holders and events."""
