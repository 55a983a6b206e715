"""clinical case data

An order carries the patient's medical records (an object) and the treatments
planned (a list of objects), as a dental lab's case needs them. Existing orders
get none: ``{}`` and ``[]``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db  # noqa: F401  (custom column types)


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def upgrade() -> None:
    # Added in place with a default (no table rebuild: rebuilding ``orders`` on SQLite
    # would cascade-delete the rows that refer to it).
    with op.batch_alter_table('orders', schema=None, recreate='never') as batch_op:
        batch_op.add_column(
            sa.Column('medical_records', sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
        batch_op.add_column(
            sa.Column('treatments', sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )


def downgrade() -> None:
    # Dropped in place (SQLite 3.35+): recreating ``orders`` would cascade-delete the
    # rows that refer to it.
    with op.batch_alter_table('orders', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('treatments')
        batch_op.drop_column('medical_records')
