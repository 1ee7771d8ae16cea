"""question kinds stored as plain names, checked by the application's registry instead of a CHECK listing them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:00:00

"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CONSTRAINT = 'ck_survey_questions_questionkind'
# The kinds the CHECK of revision 0002 allowed.
FIRST_KINDS = ('short_text', 'long_text', 'single_choice', 'multiple_choice', 'scale', 'number', 'date',
               'ranking', 'matrix')


@contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite changes a constraint by copying the table into a new one and dropping the old: with foreign keys
    enforced, that drop would delete the options (ON DELETE CASCADE) or be refused for the answers (RESTRICT).
    PRAGMA foreign_keys only takes effect outside a transaction, hence the autocommit blocks; the references
    are checked before they are enforced again."""
    if op.get_bind().dialect.name != 'sqlite':
        yield
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute('PRAGMA foreign_keys=OFF')
    try:
        yield
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f'rows refer to missing rows after rebuilding survey_questions: {broken[:5]}')
    finally:
        with context.autocommit_block():
            op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table('survey_questions', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(CONSTRAINT), type_='check')


def downgrade():
    kinds = sa.table('survey_questions', sa.column('kind'))
    others = op.get_bind().execute(
        sa.select(kinds.c.kind).distinct().where(kinds.c.kind.not_in(FIRST_KINDS))).scalars().all()
    if others:
        names = ', '.join(sorted(others))
        raise RuntimeError(f"questions of kinds revision 0004 does not know exist ({names}): delete them, or "
                           "their surveys, before downgrading")
    allowed = ', '.join(f"'{kind}'" for kind in FIRST_KINDS)
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table('survey_questions', schema=None) as batch_op:
            batch_op.create_check_constraint(batch_op.f(CONSTRAINT), sa.text(f'kind IN ({allowed})'))
