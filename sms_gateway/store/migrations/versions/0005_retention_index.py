"""privacy: partial index of inbound messages whose text has not been purged yet

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-28 05:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None

UNPURGED = sa.text("text IS NOT NULL OR raw_enc IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_unpurged', ['received_at'], unique=False,
                              postgresql_where=UNPURGED, sqlite_where=UNPURGED)


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_unpurged', postgresql_where=UNPURGED,
                            sqlite_where=UNPURGED)
