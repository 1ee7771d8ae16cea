"""comments name what they are about by kind and id, so any feature's things can be commented on

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 10:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_kind', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('target_id', sa.Integer(), nullable=True))
    op.execute("UPDATE comments SET target_kind = 'motion', target_id = motion_id "
               "WHERE motion_id IS NOT NULL")
    op.execute("UPDATE comments SET target_kind = 'consultation', target_id = consultation_id "
               "WHERE consultation_id IS NOT NULL")
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_motion_thread')
        batch_op.drop_index('ix_comments_consultation_thread')
        batch_op.drop_constraint(op.f('ck_comments_one_target'), type_='check')
        batch_op.drop_constraint(op.f('fk_comments_motion_id_motions'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_comments_consultation_id_consultations'), type_='foreignkey')
        batch_op.drop_column('motion_id')
        batch_op.drop_column('consultation_id')
        batch_op.alter_column('target_kind', existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column('target_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(op.f('ck_comments_target_kind_not_empty'), "target_kind <> ''")
        batch_op.create_index('ix_comments_thread', ['target_kind', 'target_id', 'parent_id', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('motion_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('consultation_id', sa.Integer(), nullable=True))
    op.execute("UPDATE comments SET motion_id = target_id WHERE target_kind = 'motion'")
    op.execute("UPDATE comments SET consultation_id = target_id WHERE target_kind = 'consultation'")
    # Comments on things the old schema cannot name have nowhere to go.
    op.execute("DELETE FROM comments WHERE target_kind NOT IN ('motion', 'consultation')")
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_thread')
        batch_op.drop_constraint(op.f('ck_comments_target_kind_not_empty'), type_='check')
        batch_op.drop_column('target_kind')
        batch_op.drop_column('target_id')
        batch_op.create_foreign_key(op.f('fk_comments_motion_id_motions'), 'motions', ['motion_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key(op.f('fk_comments_consultation_id_consultations'), 'consultations',
                                    ['consultation_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(op.f('ck_comments_one_target'),
                                         '(motion_id IS NULL) <> (consultation_id IS NULL)')
        batch_op.create_index('ix_comments_motion_thread', ['motion_id', 'parent_id', 'created_at'],
                              unique=False)
        batch_op.create_index('ix_comments_consultation_thread',
                              ['consultation_id', 'parent_id', 'created_at'], unique=False)
