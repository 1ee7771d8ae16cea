"""survey invitations: an invitation's address can be erased (the account was deleted); each invitation
has the language of its e-mails (existing ones: Italian, the language they were sent in). Surveys: when their
results were announced as published (once per survey); surveys whose results the public may read already
count as announced, so a later change of visibility does not announce them again.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 23:20:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

import civic.database

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_invitations') as batch:
        batch.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch.add_column(sa.Column('language', sa.String(length=5), server_default='it', nullable=False))
    op.add_column('surveys', sa.Column('results_announced_at', civic.database.UTCDateTime(timezone=True),
                                       nullable=True))
    surveys = sa.table('surveys', sa.column('status', sa.String), sa.column('results_visibility', sa.String),
                       sa.column('closes_at', civic.database.UTCDateTime(timezone=True)),
                       sa.column('updated_at', civic.database.UTCDateTime(timezone=True)),
                       sa.column('results_announced_at', civic.database.UTCDateTime(timezone=True)))
    now = dt.datetime.now(dt.UTC)
    op.execute(surveys.update().where(
        surveys.c.status != 'draft', surveys.c.results_visibility != 'councillors',
        sa.or_(surveys.c.status == 'closed', surveys.c.closes_at <= now),
    ).values(results_announced_at=surveys.c.updated_at))


def downgrade():
    with op.batch_alter_table('surveys') as batch:
        batch.drop_column('results_announced_at')
    # Erased addresses cannot come back: their used invitations go, as the account did.
    op.execute("DELETE FROM survey_invitations WHERE email IS NULL")
    with op.batch_alter_table('survey_invitations') as batch:
        batch.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch.drop_column('language')
