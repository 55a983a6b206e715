"""devices

A device is one unit of a supplier's item: its identifiers (unique per supplier for
each type and value), who has it now (a patient or a site), and its events. Three new
tables; no existing table is altered (a batch rebuild of one that others refer to
would cascade-delete their rows on SQLite).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 18:01:50.059622
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db  # noqa: F401  (custom column types)


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_identifier', sa.String(length=100), nullable=True),
    sa.Column('current_status', sa.Enum('in_stock', 'assigned', 'shipped', 'with_patient', 'returned', 'retired', name='devicestatus', native_enum=False, length=20), nullable=False),
    sa.Column('current_patient_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('site_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('last_health_check', orderdesk.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('disabled_readings', sa.Boolean(), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_devices_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['current_patient_id'], ['patients.id'], name=op.f('fk_devices_current_patient_id_patients'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_devices_item_id_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_devices_site_id_sites'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_devices_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_tenant_id_account_id_id'), ['tenant_id', 'account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_devices_tenant_id_current_patient_id'), ['tenant_id', 'current_patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_devices_tenant_id_external_identifier'), ['tenant_id', 'external_identifier'], unique=False)
        batch_op.create_index(batch_op.f('ix_devices_tenant_id_item_id'), ['tenant_id', 'item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_devices_tenant_id_site_id'), ['tenant_id', 'site_id'], unique=False)

    op.create_table('device_events',
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('occurred_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('credential_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('recorded_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_events_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_device_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_events'))
    )
    with op.batch_alter_table('device_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_events_tenant_id_device_id_occurred_at_id'), ['tenant_id', 'device_id', 'occurred_at', 'id'], unique=False)

    op.create_table('device_identifiers',
    sa.Column('device_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_device_identifiers_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_device_identifiers_device_id_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_device_identifiers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_identifiers')),
    sa.UniqueConstraint('tenant_id', 'account_id', 'type', 'value', name=op.f('uq_device_identifiers_tenant_id_account_id_type_value'))
    )
    with op.batch_alter_table('device_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_identifiers_tenant_id_device_id'), ['tenant_id', 'device_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_device_identifiers_tenant_id_value'), ['tenant_id', 'value'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('device_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_identifiers_tenant_id_value'))
        batch_op.drop_index(batch_op.f('ix_device_identifiers_tenant_id_device_id'))

    op.drop_table('device_identifiers')
    with op.batch_alter_table('device_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_events_tenant_id_device_id_occurred_at_id'))

    op.drop_table('device_events')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_tenant_id_site_id'))
        batch_op.drop_index(batch_op.f('ix_devices_tenant_id_item_id'))
        batch_op.drop_index(batch_op.f('ix_devices_tenant_id_external_identifier'))
        batch_op.drop_index(batch_op.f('ix_devices_tenant_id_current_patient_id'))
        batch_op.drop_index(batch_op.f('ix_devices_tenant_id_account_id_id'))

    op.drop_table('devices')
