"""digital identities (SPID, CIE) linked to accounts, their login sessions, and the SAML exchanges in progress

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 04:19:05

"""
import sqlalchemy as sa
from alembic import op

import civic.database

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _provider():
    return sa.Enum('spid', 'cie', name='provider', native_enum=False, create_constraint=True, length=10)


def _moment():
    return civic.database.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        'saml_requests',
        sa.Column('relay_hash', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.Enum('login', 'logout', name='requestkind', native_enum=False,
                                  create_constraint=True, length=10), nullable=False),
        sa.Column('state', sa.Enum('sent', 'verified', name='requeststate', native_enum=False,
                                   create_constraint=True, length=10), nullable=False),
        sa.Column('provider', _provider(), nullable=False),
        sa.Column('request_id', sa.String(length=100), nullable=False),
        sa.Column('issued_at', _moment(), nullable=False),
        sa.Column('idp_entity_id', sa.String(length=255), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('browser', sa.String(length=64), nullable=False),
        sa.Column('next_url', sa.String(length=500), nullable=True),
        sa.Column('subject', sa.String(length=64), nullable=True),
        sa.Column('verified_level', sa.Integer(), nullable=True),
        sa.Column('name_id', sa.String(length=255), nullable=True),
        sa.Column('name_qualifier', sa.String(length=255), nullable=True),
        sa.Column('session_index', sa.String(length=255), nullable=True),
        sa.Column('given_name', sa.String(length=100), nullable=True),
        sa.Column('family_name', sa.String(length=100), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('created_at', _moment(), nullable=False),
        sa.Column('expires_at', _moment(), nullable=False),
        sa.CheckConstraint('expires_at > created_at', name=op.f('ck_saml_requests_expires_after_creation')),
        sa.CheckConstraint('level BETWEEN 0 AND 3', name=op.f('ck_saml_requests_level_is_spid_level')),
        sa.PrimaryKeyConstraint('relay_hash', name=op.f('pk_saml_requests')),
    )
    with op.batch_alter_table('saml_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saml_requests_expires_at'), ['expires_at'], unique=False)

    op.create_table(
        'saml_seen_assertions',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('expires_at', _moment(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_saml_seen_assertions')),
    )
    with op.batch_alter_table('saml_seen_assertions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saml_seen_assertions_expires_at'), ['expires_at'], unique=False)

    op.create_table(
        'identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('provider', _provider(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('idp_entity_id', sa.String(length=255), nullable=False),
        sa.Column('created_at', _moment(), nullable=False),
        sa.Column('last_login_at', _moment(), nullable=False),
        sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_identities_level_is_spid_level')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_identities_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identities')),
        sa.UniqueConstraint('subject', name=op.f('uq_identities_subject')),
        sa.UniqueConstraint('user_id', name=op.f('uq_identities_user_id')),
    )
    op.create_table(
        'identity_logins',
        sa.Column('session_hash', sa.String(length=64), nullable=False),
        sa.Column('identity_id', sa.Integer(), nullable=False),
        sa.Column('provider', _provider(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('idp_entity_id', sa.String(length=255), nullable=False),
        sa.Column('name_id', sa.String(length=255), nullable=False),
        sa.Column('name_qualifier', sa.String(length=255), nullable=False),
        sa.Column('session_index', sa.String(length=255), nullable=True),
        sa.Column('created_at', _moment(), nullable=False),
        sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_identity_logins_level_is_spid_level')),
        sa.ForeignKeyConstraint(['identity_id'], ['identities.id'],
                                name=op.f('fk_identity_logins_identity_id_identities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_hash'], ['auth_sessions.token_hash'], ondelete='CASCADE',
                                name=op.f('fk_identity_logins_session_hash_auth_sessions')),
        sa.PrimaryKeyConstraint('session_hash', name=op.f('pk_identity_logins')),
    )
    with op.batch_alter_table('identity_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_logins_identity_id'), ['identity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_logins_name_id'), ['name_id'], unique=False)


def downgrade():
    with op.batch_alter_table('identity_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_logins_name_id'))
        batch_op.drop_index(batch_op.f('ix_identity_logins_identity_id'))
    op.drop_table('identity_logins')
    op.drop_table('identities')
    with op.batch_alter_table('saml_seen_assertions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saml_seen_assertions_expires_at'))
    op.drop_table('saml_seen_assertions')
    with op.batch_alter_table('saml_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saml_requests_expires_at'))
    op.drop_table('saml_requests')
