"""survey conditions: several conditions per question or section, joined with AND or OR

The existing single condition (condition_option_id, condition_negate) stays the first condition; further ones
are rows of survey_conditions, and condition_any says whether they join with OR (else AND). Nothing to
migrate: every existing condition is a first condition already. Downgrade drops the further conditions.

Revision ID: 0018
Revises: 0019
Create Date: 2026-12-06 21:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('survey_sections', 'survey_questions'):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('condition_any', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))
    op.create_table(
        'survey_conditions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('section_id', sa.Integer(), nullable=True),
        sa.Column('question_id', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('negate', sa.Boolean(), nullable=False),
        sa.CheckConstraint('(section_id IS NULL) <> (question_id IS NULL)',
                           name=op.f('ck_survey_conditions_one_owner')),
        sa.ForeignKeyConstraint(['section_id'], ['survey_sections.id'],
                                name=op.f('fk_survey_conditions_section_id_survey_sections'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'],
                                name=op.f('fk_survey_conditions_question_id_survey_questions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['option_id'], ['survey_options.id'],
                                name=op.f('fk_survey_conditions_option_id_survey_options'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_conditions')),
    )
    for column in ('section_id', 'question_id', 'option_id'):
        op.create_index(op.f(f'ix_survey_conditions_{column}'), 'survey_conditions', [column])


def downgrade():
    op.drop_table('survey_conditions')
    for table in ('survey_questions', 'survey_sections'):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('condition_any')
