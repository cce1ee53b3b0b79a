"""interpreters as a scheduled resource

Revision ID: b3d9f2a6c4e1
Revises: e4a8c2f6b1d0
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d9f2a6c4e1'
down_revision = 'e4a8c2f6b1d0'
branch_labels = None
depends_on = None


LIVE_INTERPRETED = "status != 'cancelled' AND interpreter_id IS NOT NULL"


def upgrade():
    op.create_table('interpreter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('unavailable', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_interpreter_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interpreter'))
    )
    with op.batch_alter_table('interpreter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interpreter_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interpreter_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_meeting_interpreter_id_interpreter'), 'interpreter', ['interpreter_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_meeting_interpreter_id'), ['interpreter_id'], unique=False)
        batch_op.create_index('uq_meeting_interpreter_slot', ['interpreter_id', 'slot_index'], unique=True, sqlite_where=sa.text(LIVE_INTERPRETED), postgresql_where=sa.text(LIVE_INTERPRETED))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('uq_meeting_interpreter_slot', sqlite_where=sa.text(LIVE_INTERPRETED), postgresql_where=sa.text(LIVE_INTERPRETED))
        batch_op.drop_index(batch_op.f('ix_meeting_interpreter_id'))
        batch_op.drop_constraint(batch_op.f('fk_meeting_interpreter_id_interpreter'), type_='foreignkey')
        batch_op.drop_column('interpreter_id')

    with op.batch_alter_table('interpreter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interpreter_event_id'))

    op.drop_table('interpreter')
