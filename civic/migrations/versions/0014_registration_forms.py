"""meeting registration forms: the organisers' questions and the answers, quotas per audience category,
approval, companions, reminders per meeting and the check-in window

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 20:00:00

"""
import datetime as dt
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import civic.database

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

STATUS_CHECK = 'ck_meeting_registrations_registrationstatus'
FIRST_STATUSES = ('confirmed', 'waitlisted', 'cancelled')
STATUSES = (*FIRST_STATUSES, 'pending', 'refused')
# The one reminder every meeting had before (CIVIC_REMINDER_HOURS' default).
FIRST_REMINDER_HOURS = 24


@contextmanager
def _foreign_keys_off_on_sqlite():
    """SQLite changes a constraint by copying the table: with foreign keys enforced, dropping the old meetings
    table would delete its registrations and agenda (ON DELETE CASCADE). PRAGMA foreign_keys only takes effect
    outside a transaction; the references are checked before they are enforced again."""
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
            raise RuntimeError(f'rows refer to missing rows after rebuilding meeting tables: {broken[:5]}')
    finally:
        with context.autocommit_block():
            op.execute('PRAGMA foreign_keys=ON')


def _statuses(values) -> sa.TextClause:
    return sa.text('status IN ({})'.format(', '.join(f"'{value}'" for value in values)))


def upgrade():
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table('meetings', schema=None) as batch_op:
            batch_op.add_column(sa.Column('requires_approval', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
            batch_op.add_column(sa.Column('companions_max', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('check_in_opens_minutes', sa.Integer(), nullable=False,
                                          server_default='60'))
            batch_op.create_check_constraint(batch_op.f('ck_meetings_companions_max_range'),
                                             sa.text('companions_max >= 0 AND companions_max <= 20'))
            batch_op.create_check_constraint(batch_op.f('ck_meetings_check_in_opens_not_negative'),
                                             sa.text('check_in_opens_minutes >= 0'))
        with op.batch_alter_table('meeting_registrations', schema=None) as batch_op:
            batch_op.add_column(sa.Column('companions', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('answers', sa.JSON(), nullable=False, server_default='[]'))
            batch_op.add_column(sa.Column('decided_at', civic.database.UTCDateTime(timezone=True),
                                          nullable=True))
            batch_op.drop_constraint(batch_op.f(STATUS_CHECK), type_='check')
            batch_op.create_check_constraint(batch_op.f(STATUS_CHECK), _statuses(STATUSES))
            batch_op.create_check_constraint(batch_op.f('ck_meeting_registrations_companions_range'),
                                             sa.text('companions >= 0 AND companions <= 20'))
    op.create_table(
        'meeting_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('text', 'choice', 'yes_no', name='questionkind', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
        sa.Column('label', sa.String(length=300), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_meeting_questions_meeting_id_meetings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_questions')),
        sa.UniqueConstraint('meeting_id', 'position', name=op.f('uq_meeting_questions_meeting_id_position')),
    )
    with op.batch_alter_table('meeting_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_questions_meeting_id'), ['meeting_id'], unique=False)
    op.create_table(
        'meeting_quotas',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=80), nullable=False),
        sa.Column('seats', sa.Integer(), nullable=False),
        sa.Column('taken', sa.Integer(), nullable=False),
        sa.CheckConstraint('seats >= 1', name=op.f('ck_meeting_quotas_seats_positive')),
        sa.CheckConstraint('taken >= 0 AND taken <= seats',
                           name=op.f('ck_meeting_quotas_taken_within_seats')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_meeting_quotas_meeting_id_meetings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_quotas')),
        sa.UniqueConstraint('meeting_id', 'category', name=op.f('uq_meeting_quotas_meeting_id_category')),
    )
    reminders = op.create_table(
        'meeting_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('hours_before', sa.Integer(), nullable=False),
        sa.Column('due_at', civic.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('hours_before >= 1', name=op.f('ck_meeting_reminders_hours_positive')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'],
                                name=op.f('fk_meeting_reminders_meeting_id_meetings'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_reminders')),
        sa.UniqueConstraint('meeting_id', 'hours_before',
                            name=op.f('uq_meeting_reminders_meeting_id_hours_before')),
    )
    with op.batch_alter_table('meeting_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_reminders_due_at'), ['due_at'], unique=False)
    # Every meeting keeps the reminder it had: CIVIC_REMINDER_HOURS' default before its start.
    meetings = sa.table('meetings', sa.column('id', sa.Integer()),
                        sa.column('starts_at', civic.database.UTCDateTime(timezone=True)))
    rows = op.get_bind().execute(sa.select(meetings.c.id, meetings.c.starts_at)).all()
    if rows:
        op.bulk_insert(reminders, [
            {'meeting_id': meeting_id, 'hours_before': FIRST_REMINDER_HOURS,
             'due_at': starts_at - dt.timedelta(hours=FIRST_REMINDER_HOURS)}
            for meeting_id, starts_at in rows
        ])


def downgrade():
    registrations = sa.table('meeting_registrations', sa.column('status', sa.String()))
    op.execute(registrations.update().where(registrations.c.status.in_(('pending', 'refused')))
               .values(status='cancelled'))
    with op.batch_alter_table('meeting_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_reminders_due_at'))
    op.drop_table('meeting_reminders')
    op.drop_table('meeting_quotas')
    with op.batch_alter_table('meeting_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_questions_meeting_id'))
    op.drop_table('meeting_questions')
    with _foreign_keys_off_on_sqlite():
        with op.batch_alter_table('meeting_registrations', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_meeting_registrations_companions_range'), type_='check')
            batch_op.drop_constraint(batch_op.f(STATUS_CHECK), type_='check')
            batch_op.create_check_constraint(batch_op.f(STATUS_CHECK), _statuses(FIRST_STATUSES))
            batch_op.drop_column('decided_at')
            batch_op.drop_column('answers')
            batch_op.drop_column('companions')
        with op.batch_alter_table('meetings', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_meetings_check_in_opens_not_negative'), type_='check')
            batch_op.drop_constraint(batch_op.f('ck_meetings_companions_max_range'), type_='check')
            batch_op.drop_column('check_in_opens_minutes')
            batch_op.drop_column('companions_max')
            batch_op.drop_column('requires_approval')
