"""account security: security events, remembered sessions, sign-in throttles, shared rate-limit
counters

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'security_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('subject', sa.String(length=16), nullable=True),
        sa.Column('network', sa.String(length=50), nullable=True),
        sa.Column('detail', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_security_events_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events')),
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index('ix_security_events_kind_id', ['kind', 'id'], unique=False)
        batch_op.create_index('ix_security_events_user_id', ['user_id', 'id'], unique=False)
        batch_op.create_index('ix_security_events_at', ['at'], unique=False)
    op.create_table(
        'sign_in_throttles',
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('owner_told_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('subject', name=op.f('pk_sign_in_throttles')),
    )
    op.create_table(
        'rate_limit_counters',
        sa.Column('key', sa.String(length=250), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.Column('expires_at', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters')),
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_counters_expires_at', ['expires_at'], unique=False)
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remember', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_column('remember')
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_limit_counters_expires_at')
    op.drop_table('rate_limit_counters')
    op.drop_table('sign_in_throttles')
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index('ix_security_events_at')
        batch_op.drop_index('ix_security_events_user_id')
        batch_op.drop_index('ix_security_events_kind_id')
    op.drop_table('security_events')
