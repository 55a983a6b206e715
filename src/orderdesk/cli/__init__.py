"""The ``orderdesk`` command line: serve, migrate, load the demo, manage API keys and workflows.

Results go to stdout (the demo's summary or JSON, a new key's secret, the key
and workflow tables, a workflow's definition); logs and messages for people go
to stderr, so stdout can be piped.

On SQLite every command that opens the database brings its file up to date
first, so ``make run`` needs no separate step. On PostgreSQL, where many
processes share one database, migrating is an explicit deploy step:
``orderdesk migrate``.
"""

from orderdesk.cli._base import app

# Each module adds its commands to ``app``; this order is the order of ``--help``.
# isort: off
from orderdesk.cli import server, demo, keys, workflows  # noqa: F401
from orderdesk.cli import worker, backup  # noqa: F401
# isort: on

__all__ = ["app"]
