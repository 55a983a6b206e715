"""order work-list indexes

A page of a party's orders in one status, in id order, reads just that page at any
size of the order book: (tenant, customer, status, id) and (tenant, supplier, status,
id); the status index gains the id, for a status across parties.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 05:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_tenant_id_status_id')
        batch_op.create_index('ix_orders_tenant_id_status_id_id', ['tenant_id', 'status_id', 'id'], unique=False)
        batch_op.create_index('ix_orders_tenant_id_customer_account_id_status_id_id', ['tenant_id', 'customer_account_id', 'status_id', 'id'], unique=False)
        batch_op.create_index('ix_orders_tenant_id_supplier_account_id_status_id_id', ['tenant_id', 'supplier_account_id', 'status_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_tenant_id_supplier_account_id_status_id_id')
        batch_op.drop_index('ix_orders_tenant_id_customer_account_id_status_id_id')
        batch_op.drop_index('ix_orders_tenant_id_status_id_id')
        batch_op.create_index('ix_orders_tenant_id_status_id', ['tenant_id', 'status_id'], unique=False)
