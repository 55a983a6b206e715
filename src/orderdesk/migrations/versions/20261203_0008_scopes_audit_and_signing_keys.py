"""scopes, audit trail and signing keys

Credentials get the scopes they hold (existing ones every scope of their role, as
they could do everything their role allows before) and the key they replaced; the
audit trail's two tables, append-only by trigger on both backends; the table that
keeps the access-token signing key when no setting gives one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:32:26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The scopes each role held when scopes came (``tenancy.scopes.ROLE_SCOPES`` then).
_PARTY = ['accounts:read', 'catalog:read', 'devices:read', 'orders:read', 'orders:write',
          'patients:read', 'phi:read', 'webhooks:write']
_ROLE_SCOPES = {
    'admin': ['accounts:read', 'admin', 'audit:read', 'catalog:read', 'catalog:write',
              'devices:read', 'devices:write', 'orders:read', 'orders:write', 'patients:read',
              'patients:write', 'phi:read', 'webhooks:write', 'workflows:write'],
    'customer': sorted([*_PARTY, 'patients:write']),
    'supplier': sorted([*_PARTY, 'catalog:write', 'devices:write', 'workflows:write']),
}

_APPEND_ONLY = ('audit_events', 'audit_entities')

_PG_FUNCTION = """
CREATE FUNCTION orderdesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END
$$
"""


def _refuse_changes() -> None:
    """UPDATE and DELETE (and on PostgreSQL TRUNCATE) on the audit tables fail."""
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION)
        for table in _APPEND_ONLY:
            op.execute(f'CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} '
                       'FOR EACH ROW EXECUTE FUNCTION orderdesk_append_only()')
            op.execute(f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} '
                       'FOR EACH STATEMENT EXECUTE FUNCTION orderdesk_append_only()')
        return
    for table in _APPEND_ONLY:
        for event in ('UPDATE', 'DELETE'):
            op.execute(f'CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} '
                       f"BEGIN SELECT RAISE(ABORT, 'audit records are append-only: {event} "
                       f"on {table} refused'); END")


def _drop_refusals() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in _APPEND_ONLY:
            op.execute(f'DROP TRIGGER {table}_append_only ON {table}')
            op.execute(f'DROP TRIGGER {table}_no_truncate ON {table}')
        op.execute('DROP FUNCTION orderdesk_append_only()')
        return
    for table in _APPEND_ONLY:
        for event in ('update', 'delete'):
            op.execute(f'DROP TRIGGER {table}_no_{event}')


def upgrade() -> None:
    op.create_table('signing_keys',
    sa.Column('purpose', sa.String(length=50), nullable=False),
    sa.Column('secret', sa.String(length=200), nullable=False),
    sa.Column('created_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys')),
    sa.UniqueConstraint('purpose', name=op.f('uq_signing_keys_purpose'))
    )
    op.create_table('audit_events',
    sa.Column('recorded_at', orderdesk.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=1), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('surface', sa.String(length=50), nullable=False),
    sa.Column('route', sa.String(length=300), nullable=False),
    sa.Column('path', sa.String(length=2000), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('phi_disclosed', sa.Boolean(), nullable=False),
    sa.Column('credential_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('client', sa.String(length=200), nullable=True),
    sa.Column('client_address', sa.String(length=100), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_audit_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_tenant_id_credential_id_id'), ['tenant_id', 'credential_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_tenant_id_id'), ['tenant_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_tenant_id_recorded_at_id'), ['tenant_id', 'recorded_at', 'id'], unique=False)

    op.create_table('audit_entities',
    sa.Column('audit_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.Enum('patient', 'order', 'device', name='entitykind', native_enum=False, length=20), nullable=False),
    sa.Column('entity_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'], name=op.f('fk_audit_entities_audit_event_id_audit_events'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_audit_entities_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entities'))
    )
    with op.batch_alter_table('audit_entities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entities_tenant_id_kind_entity_id_audit_event_id'), ['tenant_id', 'kind', 'entity_id', 'audit_event_id'], unique=False)

    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('rotated_from_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_credentials_rotated_from_id_credentials'), 'credentials', ['rotated_from_id'], ['id'], ondelete='SET NULL')
    credentials = sa.table('credentials', sa.column('role', sa.String), sa.column('scopes', sa.JSON))
    for role, scopes in _ROLE_SCOPES.items():
        op.execute(credentials.update().where(credentials.c.role == role).values(scopes=scopes))
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.alter_column('scopes', existing_type=sa.JSON(), nullable=False)
    _refuse_changes()


def downgrade() -> None:
    _drop_refusals()
    with op.batch_alter_table('credentials', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_credentials_rotated_from_id_credentials'), type_='foreignkey')
        batch_op.drop_column('rotated_from_id')
        batch_op.drop_column('scopes')

    with op.batch_alter_table('audit_entities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entities_tenant_id_kind_entity_id_audit_event_id'))

    op.drop_table('audit_entities')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_tenant_id_recorded_at_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_tenant_id_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_tenant_id_credential_id_id'))

    op.drop_table('audit_events')
    op.drop_table('signing_keys')
