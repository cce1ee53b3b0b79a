"""messages between the two sides, and in-app notifications

Revision ID: f3b5d7e9a1c4
Revises: e7a1c3d5f9b2
Create Date: 2026-12-01 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b5d7e9a1c4'
down_revision = 'e7a1c3d5f9b2'
branch_labels = None
depends_on = None


def _fk(table, column, referred, name=None):
    return sa.ForeignKeyConstraint([column], [f'{referred}.id'],
                                   name=op.f(f'fk_{table}_{column}_{referred}'), ondelete='CASCADE')


def upgrade():
    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('government_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    _fk('message', 'event_id', 'event'),
    _fk('message', 'government_id', 'participant'),
    _fk('message', 'partner_id', 'participant'),
    _fk('message', 'author_id', 'participant'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message') as batch_op:
        batch_op.create_index(batch_op.f('ix_message_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_message_thread', ['government_id', 'partner_id', 'id'], unique=False)

    op.create_table('thread_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('government_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    _fk('thread_report', 'event_id', 'event'),
    _fk('thread_report', 'government_id', 'participant'),
    _fk('thread_report', 'partner_id', 'participant'),
    _fk('thread_report', 'reporter_id', 'participant'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_report')),
    sa.UniqueConstraint('government_id', 'partner_id', 'reporter_id',
                        name=op.f('uq_thread_report_government_id_partner_id_reporter_id'))
    )
    with op.batch_alter_table('thread_report') as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_report_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thread_report_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thread_report_reporter_id'), ['reporter_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mail_due', sa.Boolean(), nullable=False),
    sa.Column('mailed_at', sa.DateTime(timezone=True), nullable=True),
    _fk('notification', 'event_id', 'event'),
    _fk('notification', 'participant_id', 'participant'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification') as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_mail_due'), ['mail_due'], unique=False)
        batch_op.create_index('ix_notification_unread', ['participant_id', 'read_at'], unique=False)


def downgrade():
    op.drop_table('notification')
    op.drop_table('thread_report')
    op.drop_table('message')
