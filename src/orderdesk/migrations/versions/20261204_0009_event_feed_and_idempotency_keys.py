"""event feed and idempotency keys

Timeline events get their public id, their place in their order (``sequence``) and on
their tenant's feed (``position``); the events already stored get them in the order
they were recorded. Idempotency keys get their table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 01:10:28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db

#: Numbers the stored events: per order, and per tenant in the order they were recorded.
_NUMBER_EVENTS = """
UPDATE order_events SET sequence = numbered.n, position = numbered.p
FROM (SELECT id,
             row_number() OVER (PARTITION BY order_id ORDER BY id) AS n,
             row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS p
      FROM order_events) AS numbered
WHERE numbered.id = order_events.id
"""

_NEW_UID = {
    'postgresql': "'evt_' || replace(gen_random_uuid()::text, '-', '')",
    'sqlite': "'evt_' || lower(hex(randomblob(16)))",
}


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('credential_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['credential_id'], ['credentials.id'], name=op.f('fk_idempotency_keys_credential_id_credentials'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_idempotency_keys_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('tenant_id', 'credential_id', 'key', name=op.f('uq_idempotency_keys_tenant_id_credential_id_key'))
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uid', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('position', sa.BigInteger(), nullable=True))
    op.execute(f"UPDATE order_events SET uid = {_NEW_UID[op.get_bind().dialect.name]}")
    op.execute(_NUMBER_EVENTS)
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.alter_column('uid', existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_order_events_tenant_id_position'), ['tenant_id', 'position'], unique=True)
        batch_op.create_unique_constraint(batch_op.f('uq_order_events_order_id_sequence'), ['order_id', 'sequence'])
        batch_op.create_unique_constraint(batch_op.f('uq_order_events_uid'), ['uid'])



def downgrade() -> None:
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_order_events_uid'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_order_events_order_id_sequence'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_order_events_tenant_id_position'))
        batch_op.drop_column('position')
        batch_op.drop_column('sequence')
        batch_op.drop_column('uid')

    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_expires_at'))

    op.drop_table('idempotency_keys')
