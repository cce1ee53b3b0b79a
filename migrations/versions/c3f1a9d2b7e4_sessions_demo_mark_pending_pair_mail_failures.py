"""session tokens, the demo mark, one pending request per pair, invitation failures

Revision ID: c3f1a9d2b7e4
Revises: 5a201ed71f2e
Create Date: 2026-12-01 05:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1a9d2b7e4'
down_revision = '5a201ed71f2e'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_demo', sa.Boolean(), server_default=sa.false(), nullable=False))
    # The demo was found by its name until now.
    op.execute(
        sa.text("UPDATE event SET is_demo = :yes WHERE name = :name").bindparams(
            yes=True, name="Smart City Expo Latam — demo"
        )
    )

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('invitation_error', sa.Text(), server_default='', nullable=False))

    # Two pending requests for one pair (one each way) could exist: keep the older one open.
    op.execute(
        "UPDATE meeting_request SET status = 'withdrawn' WHERE status = 'pending' AND EXISTS ("
        " SELECT 1 FROM meeting_request AS older WHERE older.status = 'pending'"
        " AND older.government_id = meeting_request.government_id"
        " AND older.partner_id = meeting_request.partner_id AND older.id < meeting_request.id)"
    )
    with op.batch_alter_table('meeting_request', schema=None) as batch_op:
        batch_op.drop_index('uq_meeting_request_pending', sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.create_index('uq_meeting_request_pending_pair', ['government_id', 'partner_id'], unique=True, sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    with op.batch_alter_table('meeting_request', schema=None) as batch_op:
        batch_op.drop_index('uq_meeting_request_pending_pair', sqlite_where=PENDING, postgresql_where=PENDING)
        batch_op.create_index('uq_meeting_request_pending', ['requester_id', 'recipient_id'], unique=True, sqlite_where=PENDING, postgresql_where=PENDING)

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('invitation_error')
        batch_op.drop_column('invitation_attempts')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('is_demo')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_token')
