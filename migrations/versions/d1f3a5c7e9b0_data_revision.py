"""the data's revision, for pages kept per web process

Revision ID: d1f3a5c7e9b0
Revises: c6e8a0b2d4f7
Create Date: 2026-12-02 05:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1f3a5c7e9b0'
down_revision = 'c6e8a0b2d4f7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_revision',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('number', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_revision'))
    )
    op.execute("INSERT INTO data_revision (id, number) VALUES (1, 0)")


def downgrade():
    op.drop_table('data_revision')
