"""agency side: agencies, tokens, deliveries, forward attempts, alerts, responses, breaches, ratings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:20:25.199125
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sms_gateway.store.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agencies',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('agency_type', sa.String(length=40), nullable=False),
    sa.Column('region_code', sa.String(length=16), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent', sa.String(length=64), nullable=True),
    sa.Column('channels', sa.JSON(), nullable=True),
    sa.Column('synced_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_success_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('alerted_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_agencies'))
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_agency_type'), ['agency_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_agencies_region_code'), ['region_code'], unique=False)

    op.create_table('agency_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_alerts'))
    )
    with op.batch_alter_table('agency_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_alerts_agency_code'), ['agency_code'], unique=False)

    op.create_table('agency_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_code'], ['agencies.code'], name=op.f('fk_agency_tokens_agency_code_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_agency_tokens_token_hash'))
    )
    with op.batch_alter_table('agency_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_tokens_agency_code'), ['agency_code'], unique=False)

    op.create_table('agency_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_agency_responses_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_responses'))
    )
    with op.batch_alter_table('agency_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_responses_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_responses_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('sla_breaches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=24), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.Column('since', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detected_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalated_to', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_sla_breaches_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_breaches')),
    sa.UniqueConstraint('ticket_id', 'stage', 'since', name=op.f('uq_sla_breaches_ticket_id_stage_since'))
    )
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sla_breaches_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_breaches_escalated_to'), ['escalated_to'], unique=False)
        batch_op.create_index(batch_op.f('ix_sla_breaches_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('inbound_message_id', sa.Integer(), nullable=True),
    sa.Column('at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'], name=op.f('fk_ticket_ratings_inbound_message_id_inbound_messages')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_ratings_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_ratings')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ticket_ratings_ticket_id'))
    )
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_ratings_agency_code'), ['agency_code'], unique=False)

    op.create_table('agency_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=True),
    sa.Column('secret_ref', sa.String(length=80), nullable=True),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_code'], ['agencies.code'], name=op.f('fk_agency_deliveries_agency_code_agencies')),
    sa.ForeignKeyConstraint(['event_id'], ['ticket_events.id'], name=op.f('fk_agency_deliveries_event_id_ticket_events')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_agency_deliveries_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_deliveries')),
    sa.UniqueConstraint('event_id', 'agency_code', 'channel', name=op.f('uq_agency_deliveries_event_id_agency_code_channel'))
    )
    with op.batch_alter_table('agency_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_deliveries_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_deliveries_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_agency_deliveries_state_next', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_deliveries_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('forward_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['agency_deliveries.id'], name=op.f('fk_forward_attempts_delivery_id_agency_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forward_attempts'))
    )
    with op.batch_alter_table('forward_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_forward_attempts_agency_code'), ['agency_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_forward_attempts_delivery_id'), ['delivery_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('forward_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_forward_attempts_delivery_id'))
        batch_op.drop_index(batch_op.f('ix_forward_attempts_agency_code'))

    op.drop_table('forward_attempts')
    with op.batch_alter_table('agency_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_deliveries_ticket_id'))
        batch_op.drop_index('ix_agency_deliveries_state_next')
        batch_op.drop_index(batch_op.f('ix_agency_deliveries_event_id'))
        batch_op.drop_index(batch_op.f('ix_agency_deliveries_agency_code'))

    op.drop_table('agency_deliveries')
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_ratings_agency_code'))

    op.drop_table('ticket_ratings')
    with op.batch_alter_table('sla_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sla_breaches_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_sla_breaches_escalated_to'))
        batch_op.drop_index(batch_op.f('ix_sla_breaches_agency_code'))

    op.drop_table('sla_breaches')
    with op.batch_alter_table('agency_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_responses_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_agency_responses_agency_code'))

    op.drop_table('agency_responses')
    with op.batch_alter_table('agency_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_tokens_agency_code'))

    op.drop_table('agency_tokens')
    with op.batch_alter_table('agency_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_alerts_agency_code'))

    op.drop_table('agency_alerts')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_region_code'))
        batch_op.drop_index(batch_op.f('ix_agencies_agency_type'))

    op.drop_table('agencies')
