"""survey invitations: an invitation's address can be erased (the account was deleted); each invitation
has the language of its e-mails (existing ones: Italian, the language they were sent in)

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-06 23:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('survey_invitations') as batch:
        batch.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch.add_column(sa.Column('language', sa.String(length=5), server_default='it', nullable=False))


def downgrade():
    # Erased addresses cannot come back: their used invitations go, as the account did.
    op.execute("DELETE FROM survey_invitations WHERE email IS NULL")
    with op.batch_alter_table('survey_invitations') as batch:
        batch.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch.drop_column('language')
