"""parser_models: versions of the category model; labels carry their source and actor

Revision ID: 0009_model_live
Revises: 0008
Create Date: 2026-11-30 08:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import sms_gateway.store.db

revision = '0009_model_live'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('parser_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('blob', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('label_counts', sa.JSON(), nullable=True),
    sa.Column('comparison', sa.JSON(), nullable=True),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('activated_at', sms_gateway.store.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parser_models')),
    sa.UniqueConstraint('sha256', name=op.f('uq_parser_models_sha256'))
    )
    with op.batch_alter_table('parser_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parser_models_active'), ['active'], unique=False)

    with op.batch_alter_table('console_labelled_examples', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=False,
                                      server_default='review'))
        batch_op.add_column(sa.Column('actor', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('import_key', sa.String(length=64), nullable=True))
        batch_op.alter_column('inbound_message_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f('uq_console_labelled_examples_import_key'), ['import_key'])


def downgrade() -> None:
    op.execute("DELETE FROM console_labelled_examples WHERE inbound_message_id IS NULL")
    with op.batch_alter_table('console_labelled_examples', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_console_labelled_examples_import_key'),
                                 type_='unique')
        batch_op.alter_column('inbound_message_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('import_key')
        batch_op.drop_column('actor')
        batch_op.drop_column('source')

    with op.batch_alter_table('parser_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parser_models_active'))

    op.drop_table('parser_models')
