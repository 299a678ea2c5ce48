"""console: users, sessions, login attempts, audit log, review locks, labelled examples

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28 04:19:54.106740
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sms_gateway.store.db

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_login_attempts'))
    )
    with op.batch_alter_table('console_login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_console_login_attempts_key_at', ['key_hash', 'at'], unique=False)

    op.create_table('console_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.Column('can_reveal_phone', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_users')),
    sa.UniqueConstraint('email', name=op.f('uq_console_users_email'))
    )
    with op.batch_alter_table('console_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_users_agency_code'), ['agency_code'], unique=False)

    op.create_table('console_audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=24), nullable=True),
    sa.Column('target_id', sa.String(length=40), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_console_audit_log_user_id_console_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_audit_log'))
    )
    with op.batch_alter_table('console_audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_audit_log_user_id'), ['user_id'], unique=False)

    op.create_table('console_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_console_sessions_user_id_console_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_console_sessions_token_hash'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('console_labelled_examples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_message_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('decision', sa.String(length=24), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('region_code', sa.String(length=16), nullable=True),
    sa.Column('parser_category', sa.String(length=40), nullable=True),
    sa.Column('parser_region_code', sa.String(length=16), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'], name=op.f('fk_console_labelled_examples_inbound_message_id_inbound_messages')),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_console_labelled_examples_user_id_console_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_labelled_examples')),
    sa.UniqueConstraint('inbound_message_id', name=op.f('uq_console_labelled_examples_inbound_message_id'))
    )
    with op.batch_alter_table('console_labelled_examples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_labelled_examples_created_at'), ['created_at'], unique=False)

    op.create_table('console_review_locks',
    sa.Column('inbound_message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locked_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'], name=op.f('fk_console_review_locks_inbound_message_id_inbound_messages')),
    sa.ForeignKeyConstraint(['user_id'], ['console_users.id'], name=op.f('fk_console_review_locks_user_id_console_users')),
    sa.PrimaryKeyConstraint('inbound_message_id', name=op.f('pk_console_review_locks'))
    )


def downgrade() -> None:
    op.drop_table('console_review_locks')
    with op.batch_alter_table('console_labelled_examples', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_labelled_examples_created_at'))

    op.drop_table('console_labelled_examples')
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_console_sessions_expires_at'))

    op.drop_table('console_sessions')
    with op.batch_alter_table('console_audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_audit_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_console_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_console_audit_log_action'))

    op.drop_table('console_audit_log')
    with op.batch_alter_table('console_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_users_agency_code'))

    op.drop_table('console_users')
    with op.batch_alter_table('console_login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_console_login_attempts_key_at')

    op.drop_table('console_login_attempts')
