"""deeper surveys: one section per page; drafts saved to continue later

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 20:10:00

"""
import sqlalchemy as sa
from alembic import op

import civic.database

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paged', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_table(
        'survey_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.Integer(), nullable=True),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('saved_at', civic.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                                name=op.f('fk_survey_drafts_survey_id_surveys'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_survey_drafts_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['section_id'], ['survey_sections.id'],
                                name=op.f('fk_survey_drafts_section_id_survey_sections'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_drafts')),
    )
    with op.batch_alter_table('survey_drafts', schema=None) as batch_op:
        batch_op.create_index('uq_survey_drafts_survey_user', ['survey_id', 'user_id'], unique=True)
        batch_op.create_index('ix_survey_drafts_user', ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_drafts_user')
        batch_op.drop_index('uq_survey_drafts_survey_user')
    op.drop_table('survey_drafts')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_column('paged')
