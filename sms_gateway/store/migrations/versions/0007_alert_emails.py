"""agency alerts: when and how the operators were e-mailed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 03:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sms_gateway.store.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency_alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notified_at', sms_gateway.store.db.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('notify_attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('notify_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agency_alerts', schema=None) as batch_op:
        batch_op.drop_column('notify_error')
        batch_op.drop_column('notify_attempts')
        batch_op.drop_column('notified_at')
