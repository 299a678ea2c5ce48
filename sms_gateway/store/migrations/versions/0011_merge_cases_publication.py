"""merge: cases (issue 15) and Open311 publication approval (issue 14)

Revision ID: 0011_merge
Revises: 0009_cases, 0010_publication
Create Date: 2026-11-30 12:00:00
"""
from __future__ import annotations

revision = '0011_merge'
down_revision = ('0009_cases', '0010_publication')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
