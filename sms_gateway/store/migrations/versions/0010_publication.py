"""tickets: who approved the citizen's text for publication (Open311), and when

Revision ID: 0010_publication
Revises: 0009_model_live
Create Date: 2026-12-01 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sms_gateway.store.db import UTCDateTime

revision = '0010_publication'
down_revision = '0009_model_live'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_published_at', UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('text_published_by', sa.String(length=254),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('text_published_by')
        batch_op.drop_column('text_published_at')
