"""must-meet and not-interested marks

Revision ID: e7a1c3d5f9b2
Revises: d2f4b6a8c0e3
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1c3d5f9b2'
down_revision = 'd2f4b6a8c0e3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('interest_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_interest_mark_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['other_id'], ['participant.id'], name=op.f('fk_interest_mark_other_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_interest_mark_participant_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interest_mark')),
    sa.UniqueConstraint('participant_id', 'other_id', name=op.f('uq_interest_mark_participant_id_other_id'))
    )
    with op.batch_alter_table('interest_mark') as batch_op:
        batch_op.create_index(batch_op.f('ix_interest_mark_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_mark_other_id'), ['other_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interest_mark_participant_id'), ['participant_id'], unique=False)


def downgrade():
    op.drop_table('interest_mark')
