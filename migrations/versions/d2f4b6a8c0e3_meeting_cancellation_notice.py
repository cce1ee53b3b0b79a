"""a cancelled meeting's reason, and the mail telling both sides

Revision ID: d2f4b6a8c0e3
Revises: c5e1a8d3f7b2
Create Date: 2026-12-01 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f4b6a8c0e3'
down_revision = 'c5e1a8d3f7b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting') as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cancellation_mail_due', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('meeting') as batch_op:
        batch_op.drop_column('cancellation_mail_due')
        batch_op.drop_column('cancel_reason')
