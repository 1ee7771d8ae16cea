"""outbox messages keep when their last attempt began (to take them back from a worker that died) and when an
administrator last sent them again (to restart their retry period)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import civic.database

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    timestamp = civic.database.UTCDateTime(timezone=True)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', timestamp, nullable=True))
        batch_op.add_column(sa.Column('requeued_at', timestamp, nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('requeued_at')
        batch_op.drop_column('claimed_at')
