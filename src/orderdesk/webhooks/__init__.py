"""Webhooks: subscriptions per tenant, and the worker that delivers the outbox to them.

The outbox is the timeline (``order_events``): the worker fans each committed event
out to the subscriptions that want it (``webhook_deliveries``), then sends each
delivery signed as Standard Webhooks says, retrying on a schedule. Payloads are
rendered by the format a subscription names (``payloads``); compatibility surfaces
register their own formats there, so this package never imports them.
"""
