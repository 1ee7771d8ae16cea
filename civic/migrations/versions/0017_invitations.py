"""survey invitations: "only invited people may answer" and the invitations to a closed list

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 21:45:00

"""
import sqlalchemy as sa
from alembic import op

import civic.database

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_only', sa.Boolean(), server_default=sa.text('false'),
                                      nullable=False))
    op.create_table(
        'survey_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('used', sa.Boolean(), nullable=False),
        sa.Column('reminders', sa.Integer(), nullable=False),
        sa.Column('sent_at', civic.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                                name=op.f('fk_survey_invitations_survey_id_surveys'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_invitations')),
    )
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_index('uq_survey_invitations_survey_email', ['survey_id', 'email'], unique=True)
        batch_op.create_index('uq_survey_invitations_token', ['token_hash'], unique=True)
        batch_op.create_index('ix_survey_invitations_survey_used', ['survey_id', 'used'], unique=False)


def downgrade():
    op.drop_table('survey_invitations')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('invited_only')
