"""tickets: the probable kelurahan an address suggests, kept apart from the confirmed place

Revision ID: 0013_probable_region
Revises: 0012_merge
Create Date: 2026-11-30 13:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_probable_region'
down_revision = '0012_merge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('probable_region_code', sa.String(16), nullable=True))
        batch_op.add_column(sa.Column('probable_region_name', sa.String(120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('probable_region_name')
        batch_op.drop_column('probable_region_code')
