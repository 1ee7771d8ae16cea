"""census verification: residents lists (keyed hashes), verifications, and who may take part in each
activity

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 20:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD_AUDIENCES = ('anyone', 'registered', 'confirmed')
AUDIENCES = (*OLD_AUDIENCES, 'identity', 'resident')
# Activities that gain a choice of who may take part (surveys had one already).
ACTIVITIES = ('motions', 'interest_calls', 'meetings')


def _audience(values):
    return sa.Enum(*values, name='audience', native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.create_table(
        'census_lists',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.Enum('loading', 'active', name='liststate', native_enum=False,
                                   create_constraint=True, length=20), nullable=False),
        sa.Column('key_id', sa.String(length=16), nullable=False),
        sa.Column('people', sa.Integer(), nullable=False),
        sa.Column('with_birth_dates', sa.Boolean(), nullable=False),
        sa.Column('covers_parent', sa.Boolean(), nullable=False),
        sa.Column('allows_declared', sa.Boolean(), nullable=False),
        sa.Column('loaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('people >= 0', name=op.f('ck_census_lists_people_not_negative')),
        sa.ForeignKeyConstraint(['body_id'], ['bodies.id'], name=op.f('fk_census_lists_body_id_bodies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['loaded_by_id'], ['users.id'],
                                name=op.f('fk_census_lists_loaded_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_census_lists')),
    )
    with op.batch_alter_table('census_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_census_lists_body_id'), ['body_id'], unique=False)
        batch_op.create_index('uq_census_lists_active_body', ['body_id'], unique=True,
                              sqlite_where=sa.text("state = 'active'"),
                              postgresql_where=sa.text("state = 'active'"))
    op.create_table(
        'census_entries',
        sa.Column('list_id', sa.Integer(), nullable=False),
        sa.Column('person', sa.String(length=64), nullable=False),
        sa.Column('born', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['list_id'], ['census_lists.id'],
                                name=op.f('fk_census_entries_list_id_census_lists'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('list_id', 'person', name=op.f('pk_census_entries')),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'census_verifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('body_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.Enum('identity', 'declared', name='method', native_enum=False,
                                    create_constraint=True, length=20), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('verified_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('expires_at > verified_at',
                           name=op.f('ck_census_verifications_expires_after_verification')),
        sa.CheckConstraint('level BETWEEN 0 AND 3', name=op.f('ck_census_verifications_level_is_spid_level')),
        sa.ForeignKeyConstraint(['body_id'], ['bodies.id'],
                                name=op.f('fk_census_verifications_body_id_bodies'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_census_verifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_census_verifications')),
        sa.UniqueConstraint('user_id', 'body_id', name=op.f('uq_census_verifications_user_id_body_id')),
    )
    with op.batch_alter_table('census_verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_census_verifications_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_census_verifications_body_verified', ['body_id', 'verified_at'],
                              unique=False)

    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience_level', sa.Integer(), nullable=False, server_default='2'))
        batch_op.alter_column('audience', existing_type=_audience(OLD_AUDIENCES), type_=_audience(AUDIENCES),
                              existing_nullable=False)
        batch_op.create_check_constraint('audience_level_is_spid_level', 'audience_level BETWEEN 1 AND 3')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.alter_column('audience_level', server_default=None)
    for table in ACTIVITIES:
        if op.get_bind().dialect.name == 'sqlite':
            # Not a batch: rebuilding motions would lose its expression indexes. SQLite adds a column with
            # its own CHECK in place (the default stays in the schema; the models always give a value).
            values = ", ".join(f"'{value}'" for value in AUDIENCES)
            op.execute(f"ALTER TABLE {table} ADD COLUMN audience VARCHAR(20) NOT NULL DEFAULT 'confirmed' "
                       f"CONSTRAINT ck_{table}_audience CHECK (audience IN ({values}))")
            op.execute(f"ALTER TABLE {table} ADD COLUMN audience_level INTEGER NOT NULL DEFAULT 2 "
                       f"CONSTRAINT ck_{table}_audience_level_is_spid_level "
                       "CHECK (audience_level BETWEEN 1 AND 3)")
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('audience', _audience(AUDIENCES), nullable=False,
                                          server_default='confirmed'))
            batch_op.add_column(sa.Column('audience_level', sa.Integer(), nullable=False, server_default='2'))
            batch_op.create_check_constraint('audience_level_is_spid_level', 'audience_level BETWEEN 1 AND 3')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('audience', server_default=None)
            batch_op.alter_column('audience_level', server_default=None)


def _added_in_place(table):
    """Whether SQLite still has the columns as upgrade() added them, each with its own CHECK (a later
    revision that rebuilt the table made those table constraints, which only a batch rebuild can drop)."""
    query = sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name")
    sql = op.get_bind().execute(query, {"name": table}).scalar() or ''
    return 'audience_level INTEGER NOT NULL DEFAULT 2 CONSTRAINT' in sql


def downgrade():
    for table in ACTIVITIES:
        if op.get_bind().dialect.name == 'sqlite' and _added_in_place(table):
            op.execute(f"ALTER TABLE {table} DROP COLUMN audience_level")
            op.execute(f"ALTER TABLE {table} DROP COLUMN audience")
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'ck_{table}_audience_level_is_spid_level'), type_='check')
            batch_op.drop_constraint(op.f(f'ck_{table}_audience'), type_='check')
            batch_op.drop_column('audience_level')
            batch_op.drop_column('audience')
    op.execute("UPDATE surveys SET audience = 'confirmed' WHERE audience IN ('identity', 'resident')")
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_surveys_audience_level_is_spid_level'), type_='check')
        batch_op.alter_column('audience', existing_type=_audience(AUDIENCES), type_=_audience(OLD_AUDIENCES),
                              existing_nullable=False)
        batch_op.drop_column('audience_level')
    with op.batch_alter_table('census_verifications', schema=None) as batch_op:
        batch_op.drop_index('ix_census_verifications_body_verified')
        batch_op.drop_index(batch_op.f('ix_census_verifications_user_id'))
    op.drop_table('census_verifications')
    op.drop_table('census_entries')
    with op.batch_alter_table('census_lists', schema=None) as batch_op:
        batch_op.drop_index('uq_census_lists_active_body')
        batch_op.drop_index(batch_op.f('ix_census_lists_body_id'))
    op.drop_table('census_lists')
