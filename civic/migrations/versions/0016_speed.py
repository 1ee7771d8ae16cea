"""results snapshots: each survey's results aggregates as of a response id, so a new process adds only the
responses since

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:00:00

"""
import sqlalchemy as sa
from alembic import op

import civic.database

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'results_snapshots',
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('survey_created_at', civic.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('responses', sa.Integer(), nullable=False),
        sa.Column('upto', sa.Integer(), nullable=True),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('made_at', civic.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                                name=op.f('fk_results_snapshots_survey_id_surveys'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_results_snapshots')),
    )


def downgrade():
    op.drop_table('results_snapshots')
