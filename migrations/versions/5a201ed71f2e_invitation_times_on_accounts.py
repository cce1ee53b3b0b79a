"""invitation times on accounts, mail times on meeting requests

Revision ID: 5a201ed71f2e
Revises: 8a0e6d7e6dde
Create Date: 2026-11-26 12:20:13.404367

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a201ed71f2e'
down_revision = '8a0e6d7e6dde'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('invitation_sent_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('meeting_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_mailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer_mailed_at', sa.DateTime(timezone=True), nullable=True))

    # Requests made before notices existed are not announced now, long after the fact.
    op.execute("UPDATE meeting_request SET request_mailed_at = created_at")
    op.execute(
        "UPDATE meeting_request SET answer_mailed_at = answered_at WHERE answered_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('meeting_request', schema=None) as batch_op:
        batch_op.drop_column('answer_mailed_at')
        batch_op.drop_column('request_mailed_at')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('invitation_sent_at')
        batch_op.drop_column('invited_at')
