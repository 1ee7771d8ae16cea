"""anonymous web responses held apart (random key, no time, sealed answers) until they are released into the
responses in shuffled batches

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-12 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_held_responses',
        sa.Column('key', sa.String(length=32), nullable=False),
        sa.Column('survey_id', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'],
                                name=op.f('fk_survey_held_responses_survey_id_surveys'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_survey_held_responses')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('survey_held_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_held_responses_survey', ['survey_id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_held_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_held_responses_survey')
    op.drop_table('survey_held_responses')
