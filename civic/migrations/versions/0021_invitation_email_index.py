"""survey invitations: an index on the address alone, for what looks invitations up by address without a
survey (an account's download of its data, and the erasure when it is deleted).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 01:55:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_survey_invitations_email', 'survey_invitations', ['email'])


def downgrade():
    op.drop_index('ix_survey_invitations_email', table_name='survey_invitations')
