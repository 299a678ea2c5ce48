"""cases: many citizens reporting one problem share one case

Revision ID: 0009_cases
Revises: 0009_model_live
Create Date: 2026-12-01 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sms_gateway.store.db

revision = '0009_cases'
down_revision = '0009_model_live'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ticket_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_cases')),
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tickets_case_id_ticket_cases'), 'ticket_cases', ['case_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_case_id_ticket_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tickets_case_id'))
        batch_op.drop_column('case_id')
    op.drop_table('ticket_cases')
