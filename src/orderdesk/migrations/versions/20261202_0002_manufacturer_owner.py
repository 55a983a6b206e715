"""manufacturer owner

A manufacturer belongs to a supplier account, or (none) to the whole tenant.
Every manufacturer that exists before this revision stays tenant-wide.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 15:22:34.665395
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db  # noqa: F401  (custom column types)


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('manufacturers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_index(batch_op.f('ix_manufacturers_tenant_id_account_id'), ['tenant_id', 'account_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_manufacturers_account_id_accounts'), 'accounts', ['account_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('manufacturers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_manufacturers_account_id_accounts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_manufacturers_tenant_id_account_id'))
        batch_op.drop_column('account_id')
