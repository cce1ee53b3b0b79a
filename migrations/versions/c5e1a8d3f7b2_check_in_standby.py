"""check-in, no-shows and standby meetings

Revision ID: c5e1a8d3f7b2
Revises: b3d9f2a6c4e1
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e1a8d3f7b2'
down_revision = 'b3d9f2a6c4e1'
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'cancelled'")
#: A no-show meeting frees its table and its present side's slot for a standby meeting.
HOLDS = sa.text("status NOT IN ('cancelled', 'no-show')")
SLOT_INDEXES = (
    ('uq_meeting_event_slot_table', ['event_id', 'slot_index', 'table_number']),
    ('uq_meeting_government_slot', ['government_id', 'slot_index']),
    ('uq_meeting_partner_slot', ['partner_id', 'slot_index']),
)


def _recreate_slot_indexes(old, new):
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        for name, columns in SLOT_INDEXES:
            batch_op.drop_index(name, sqlite_where=old, postgresql_where=old)
            batch_op.create_index(name, columns, unique=True, sqlite_where=new,
                                  postgresql_where=new)


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_show_minutes', sa.Integer(), server_default='10',
                                      nullable=False))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('government_checked_in_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('partner_checked_in_at', sa.DateTime(timezone=True),
                                      nullable=True))
    _recreate_slot_indexes(LIVE, HOLDS)
    op.create_table('standby_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('present_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('slot_index', sa.Integer(), nullable=False),
    sa.Column('table_number', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('booked_meeting_id', sa.Integer(), nullable=True),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_standby_offer_answered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booked_meeting_id'], ['meeting.id'], name=op.f('fk_standby_offer_booked_meeting_id_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['participant.id'], name=op.f('fk_standby_offer_candidate_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_standby_offer_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_standby_offer_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['present_id'], ['participant.id'], name=op.f('fk_standby_offer_present_id_participant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standby_offer')),
    sa.UniqueConstraint('meeting_id', 'candidate_id', name=op.f('uq_standby_offer_meeting_id_candidate_id'))
    )
    with op.batch_alter_table('standby_offer', schema=None) as batch_op:
        for column in ('candidate_id', 'event_id', 'meeting_id', 'present_id', 'state'):
            batch_op.create_index(batch_op.f(f'ix_standby_offer_{column}'), [column],
                                  unique=False)


def downgrade():
    op.drop_table('standby_offer')
    # A no-show and the standby meeting at its table cannot both stay under the old indexes:
    # the standby meetings (booked from an accepted offer, now gone) are cancelled first.
    op.execute(
        "UPDATE meeting SET status = 'cancelled' WHERE status != 'cancelled' AND EXISTS ("
        "SELECT 1 FROM meeting AS missed WHERE missed.status = 'no-show' "
        "AND missed.event_id = meeting.event_id AND missed.slot_index = meeting.slot_index "
        "AND missed.id != meeting.id AND (missed.table_number = meeting.table_number "
        "OR missed.government_id = meeting.government_id "
        "OR missed.partner_id = meeting.partner_id))"
    )
    _recreate_slot_indexes(HOLDS, LIVE)
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('partner_checked_in_at')
        batch_op.drop_column('government_checked_in_at')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('no_show_minutes')
