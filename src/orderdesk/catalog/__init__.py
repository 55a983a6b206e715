"""A supplier's catalog: manufacturers, items, kits and products."""
