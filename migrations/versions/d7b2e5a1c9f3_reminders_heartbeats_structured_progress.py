"""meeting reminders, worker heartbeats, structured job progress

Revision ID: d7b2e5a1c9f3
Revises: c3f1a9d2b7e4
Create Date: 2026-12-01 06:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7b2e5a1c9f3'
down_revision = 'c3f1a9d2b7e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worker_heartbeat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hostname', sa.String(length=200), nullable=False),
    sa.Column('queue', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_heartbeat')),
    sa.UniqueConstraint('hostname', name=op.f('uq_worker_heartbeat_hostname'))
    )
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress_step', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('progress_counts', sa.JSON(), nullable=True))
    op.execute("UPDATE job SET progress_counts = '{}'")
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.alter_column('progress_counts', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True))
    # Meetings already over need no reminder.
    op.execute("UPDATE meeting SET reminder_sent_at = updated_at WHERE status IN ('held', 'no-show', 'cancelled')")


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('reminder_sent_at')

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('progress_counts')
        batch_op.drop_column('progress_step')

    op.drop_table('worker_heartbeat')
