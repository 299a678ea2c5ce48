"""channels: channel logs, pending statuses, inbound parts

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28 04:22:44.220035
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sms_gateway.store.db

revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pending_statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('provider_message_id', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('received_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_statuses'))
    )
    with op.batch_alter_table('pending_statuses', schema=None) as batch_op:
        batch_op.create_index('ix_pending_statuses_lookup', ['channel', 'provider_message_id'], unique=False)

    op.create_table('inbound_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('provider_message_id', sa.String(length=128), nullable=False),
    sa.Column('sender_hash', sa.String(length=64), nullable=False),
    sa.Column('sender_enc', sa.Text(), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('raw_enc', sa.Text(), nullable=True),
    sa.Column('received_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('joined_message_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['joined_message_id'], ['inbound_messages.id'], name=op.f('fk_inbound_parts_joined_message_id_inbound_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_parts')),
    sa.UniqueConstraint('channel', 'provider_message_id', name=op.f('uq_inbound_parts_channel_provider_message_id'))
    )
    with op.batch_alter_table('inbound_parts', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_parts_group', ['channel', 'sender_hash', 'reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_parts_joined_message_id'), ['joined_message_id'], unique=False)

    op.create_table('channel_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('outbound_message_id', sa.Integer(), nullable=True),
    sa.Column('inbound_message_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('request_headers', sa.JSON(), nullable=True),
    sa.Column('request_body', sa.Text(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('response_body', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('elapsed_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'], name=op.f('fk_channel_logs_inbound_message_id_inbound_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbound_message_id'], ['outbound_messages.id'], name=op.f('fk_channel_logs_outbound_message_id_outbound_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_logs'))
    )
    with op.batch_alter_table('channel_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_logs_channel'), ['channel'], unique=False)
        batch_op.create_index('ix_channel_logs_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_logs_inbound_message_id'), ['inbound_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_logs_outbound_message_id'), ['outbound_message_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('channel_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_logs_outbound_message_id'))
        batch_op.drop_index(batch_op.f('ix_channel_logs_inbound_message_id'))
        batch_op.drop_index('ix_channel_logs_created')
        batch_op.drop_index(batch_op.f('ix_channel_logs_channel'))

    op.drop_table('channel_logs')
    with op.batch_alter_table('inbound_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_parts_joined_message_id'))
        batch_op.drop_index('ix_inbound_parts_group')

    op.drop_table('inbound_parts')
    with op.batch_alter_table('pending_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_pending_statuses_lookup')

    op.drop_table('pending_statuses')
