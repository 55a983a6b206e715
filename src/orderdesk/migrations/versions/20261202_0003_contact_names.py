"""contact names

An account's contact has a given and a family name besides the name as written
(``contact_person``), and a note knows the account that wrote it.

Existing contact persons stay as they are. Their given and family names are
filled only where the split is unambiguous: exactly two words, neither with a
period or a comma ("Amara Osei"; not "Dr. Osei", "Osei, Amara" or "Mary Ann
Osei"); elsewhere they stay null. An existing note's account is its
credential's account (none for an admin or system key, or a credential that
is gone).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 17:05:12.417730
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orderdesk.db  # noqa: F401  (custom column types)


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

accounts = sa.table(
    'accounts',
    sa.column('id', sa.BigInteger()),
    sa.column('contact_person', sa.String(200)),
    sa.column('contact_given_name', sa.String(200)),
    sa.column('contact_family_name', sa.String(200)),
)
credentials = sa.table(
    'credentials',
    sa.column('id', sa.BigInteger()),
    sa.column('tenant_id', sa.BigInteger()),
    sa.column('account_id', sa.BigInteger()),
)
order_notes = sa.table(
    'order_notes',
    sa.column('tenant_id', sa.BigInteger()),
    sa.column('credential_id', sa.BigInteger()),
    sa.column('account_id', sa.BigInteger()),
)


def unambiguous_split(person: str) -> tuple[str, str] | None:
    """ "Amara Osei" -> ("Amara", "Osei"); None unless exactly two words without ``.`` or ``,``."""
    words = person.split()
    if len(words) != 2 or any('.' in word or ',' in word for word in words):
        return None
    return words[0], words[1]


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_given_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('contact_family_name', sa.String(length=200), nullable=True))

    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_order_notes_account_id_accounts'), 'accounts', ['account_id'], ['id'], ondelete='SET NULL')

    connection = op.get_bind()
    people = connection.execute(
        sa.select(accounts.c.id, accounts.c.contact_person).where(
            accounts.c.contact_person.is_not(None)
        )
    ).all()
    names = [
        {'account': account_id, 'given': split[0], 'family': split[1]}
        for account_id, person in people
        if (split := unambiguous_split(person)) is not None
    ]
    if names:
        connection.execute(
            accounts.update()
            .where(accounts.c.id == sa.bindparam('account'))
            .values(
                contact_given_name=sa.bindparam('given'),
                contact_family_name=sa.bindparam('family'),
            ),
            names,
        )
    writer = (
        sa.select(credentials.c.account_id)
        .where(
            credentials.c.id == order_notes.c.credential_id,
            credentials.c.tenant_id == order_notes.c.tenant_id,
        )
        .scalar_subquery()
    )
    connection.execute(
        order_notes.update()
        .where(order_notes.c.credential_id.is_not(None))
        .values(account_id=writer)
    )


def downgrade() -> None:
    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_notes_account_id_accounts'), type_='foreignkey')
        batch_op.drop_column('account_id')

    # Not by copying the table: SQLite refuses to drop an accounts table that rows refer to.
    with op.batch_alter_table('accounts', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('contact_family_name')
        batch_op.drop_column('contact_given_name')
