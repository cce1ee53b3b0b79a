"""meeting feedback, and moves asked by a participant

Revision ID: a9c2e4f6b8d1
Revises: f3b5d7e9a1c4
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c2e4f6b8d1'
down_revision = 'f3b5d7e9a1c4'
branch_labels = None
depends_on = None


ASKED = sa.text("state = 'asked'")


def upgrade():
    with op.batch_alter_table('meeting') as batch_op:
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meeting_cancelled_by_id_participant'),
                                    'participant', ['cancelled_by_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table('meeting_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('would_follow_up', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_meeting_feedback_rating_range')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_feedback_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_meeting_feedback_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_feedback')),
    sa.UniqueConstraint('meeting_id', 'participant_id', name=op.f('uq_meeting_feedback_meeting_id_participant_id'))
    )
    with op.batch_alter_table('meeting_feedback') as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_feedback_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_feedback_participant_id'), ['participant_id'], unique=False)
    op.create_table('move_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('from_slot', sa.Integer(), nullable=False),
    sa.Column('slot_index', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asked_by_id'], ['participant.id'], name=op.f('fk_move_request_asked_by_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_move_request_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_move_request_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_move_request'))
    )
    with op.batch_alter_table('move_request') as batch_op:
        for column in ('asked_by_id', 'event_id', 'meeting_id'):
            batch_op.create_index(batch_op.f(f'ix_move_request_{column}'), [column], unique=False)
        # One open request per meeting (a partial unique index on both databases).
        batch_op.create_index('uq_move_request_open', ['meeting_id'], unique=True,
                              sqlite_where=ASKED, postgresql_where=ASKED)


def downgrade():
    op.drop_table('move_request')
    op.drop_table('meeting_feedback')
    with op.batch_alter_table('meeting') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meeting_cancelled_by_id_participant'),
                                 type_='foreignkey')
        batch_op.drop_column('cancelled_by_id')
