"""merge: oversight routing's ticket column (issue 15) with the other heads

Revision ID: 0012_merge
Revises: 0011_merge, 0009_oversight
Create Date: 2026-11-30 12:05:00
"""
from __future__ import annotations

revision = '0012_merge'
down_revision = ('0011_merge', '0009_oversight')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
