"""one voice per person: census_voices keeps the keyed hash of each person who supports a motion or declares
interest, without the account, so a new account of the same person cannot take part twice; survey responses
say whether they came from a verified resident

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-06 21:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'census_voices',
        sa.Column('activity', sa.String(length=16), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('person', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('activity', 'target_id', 'person', name=op.f('pk_census_voices')),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table('survey_responses') as batch:
        batch.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('survey_responses') as batch:
        batch.drop_column('verified')
    op.drop_table('census_voices')
