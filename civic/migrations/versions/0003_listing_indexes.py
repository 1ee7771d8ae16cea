"""indexes for the public motion list's and the home page's order, and for the results' freshness check

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.create_index('ix_motions_listing_order', [sa.text('coalesce(filed_on, voted_on)'), 'id'],
                              unique=False)
        batch_op.create_index('ix_motions_published', ['published_at', 'id'], unique=False)
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_survey_id', ['survey_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_survey_id')
    with op.batch_alter_table('motions', schema=None) as batch_op:
        batch_op.drop_index('ix_motions_published')
        batch_op.drop_index('ix_motions_listing_order')
