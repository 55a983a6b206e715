"""order devices

The devices assigned to an order. One new table; no existing table is altered (a batch
rebuild of one that others refer to would cascade-delete their rows on SQLite).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db  # noqa: F401  (custom column types)


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('order_devices',
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assigned_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_order_devices_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_devices_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_order_devices_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_devices')),
    sa.UniqueConstraint('tenant_id', 'order_id', 'device_id', name=op.f('uq_order_devices_tenant_id_order_id_device_id'))
    )
    with op.batch_alter_table('order_devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_devices_tenant_id_device_id'), ['tenant_id', 'device_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_devices_tenant_id_device_id'))

    op.drop_table('order_devices')
