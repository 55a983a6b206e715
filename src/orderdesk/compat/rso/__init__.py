"""Record Stack Overflow API v1 orders (seed 004), under /compat/rso/api/v1.

Describes the orders made from a record, a supplier's product (``mapping.DESCRIBED``):
the order object's ``record_id`` is that product. Any other order is neither listed nor
counted, and its id is a 404 like a missing one, to fetch, update or cancel.
"""
