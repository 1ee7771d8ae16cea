"""one voice per person: census_voices keeps the keyed hash of each person who supports a motion or declares
interest, without the account, so a new account of the same person cannot take part twice; survey responses
say whether they came from a verified resident; motions and consultations say who may comment

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 21:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0017'
branch_labels = None
depends_on = None
COMMENTED = ('motions', 'consultations')


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
    for table in COMMENTED:
        # In place, not a batch: rebuilding motions on SQLite would lose its expression indexes.
        op.add_column(table, sa.Column('comment_audience', sa.String(length=20), nullable=False,
                                       server_default='confirmed'))
        op.add_column(table, sa.Column('comment_audience_level', sa.Integer(), nullable=False,
                                       server_default='2'))
    # Comments on a motion followed who may support it until now: keep that (a confirmed address at least).
    op.execute("UPDATE motions SET comment_audience = audience, comment_audience_level = audience_level "
               "WHERE audience IN ('identity', 'resident')")


def downgrade():
    for table in COMMENTED:
        op.drop_column(table, 'comment_audience_level')
        op.drop_column(table, 'comment_audience')
    with op.batch_alter_table('survey_responses') as batch:
        batch.drop_column('verified')
    op.drop_table('census_voices')
