"""packed kits and returns received

The kits packed for an order and the devices in each (two new tables), and when a device
on an order came back (``order_devices.returned_at``, a nullable column added in place:
no table is rebuilt, which on SQLite would cascade-delete the rows that refer to it).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('packed_kits',
    sa.Column('order_id', _ID, nullable=False),
    sa.Column('kit_id', _ID, nullable=False),
    sa.Column('external_identifier', sa.String(length=100), nullable=True),
    sa.Column('packed_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', _ID, nullable=False),
    sa.Column('id', _ID, sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['kit_id'], ['kits.id'], name=op.f('fk_packed_kits_kit_id_kits'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_packed_kits_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_packed_kits_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packed_kits'))
    )
    op.create_index(op.f('ix_packed_kits_tenant_id_order_id'), 'packed_kits', ['tenant_id', 'order_id'], unique=False)
    op.create_table('packed_kit_devices',
    sa.Column('packed_kit_id', _ID, nullable=False),
    sa.Column('device_id', _ID, nullable=False),
    sa.Column('tenant_id', _ID, nullable=False),
    sa.Column('id', _ID, sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_packed_kit_devices_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['packed_kit_id'], ['packed_kits.id'], name=op.f('fk_packed_kit_devices_packed_kit_id_packed_kits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_packed_kit_devices_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_packed_kit_devices')),
    sa.UniqueConstraint('tenant_id', 'packed_kit_id', 'device_id', name=op.f('uq_packed_kit_devices_tenant_id_packed_kit_id_device_id'))
    )
    op.create_index(op.f('ix_packed_kit_devices_tenant_id_device_id'), 'packed_kit_devices', ['tenant_id', 'device_id'], unique=False)
    op.add_column('order_devices', sa.Column('returned_at', orderdesk.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Dropping a column rebuilds the table on SQLite; nothing refers to order_devices.
    with op.batch_alter_table('order_devices', schema=None) as batch_op:
        batch_op.drop_column('returned_at')
    op.drop_index(op.f('ix_packed_kit_devices_tenant_id_device_id'), table_name='packed_kit_devices')
    op.drop_table('packed_kit_devices')
    op.drop_index(op.f('ix_packed_kits_tenant_id_order_id'), table_name='packed_kits')
    op.drop_table('packed_kits')
