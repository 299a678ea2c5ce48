"""tickets: about_officials, so that every later routing keeps the oversight rule;
labelled examples: a source long enough for "ticket_correction"

Revision ID: 0009_oversight
Revises: 0009_model_live
Create Date: 2026-12-02 09:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_oversight'
down_revision = '0009_model_live'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_officials', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('console_labelled_examples', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=16),
                              type_=sa.String(length=24), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('console_labelled_examples', schema=None) as batch_op:
        batch_op.alter_column('source', existing_type=sa.String(length=24),
                              type_=sa.String(length=16), existing_nullable=False)
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('about_officials')
