"""Hotspot analyses of uploaded incidents (issue #14).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("hotspot_runs", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("scenario_id", sa.Integer(), sa.ForeignKey("scenarios.id"), nullable=False),
                    sa.Column("state", sa.String(20), nullable=False),
                    sa.Column("error", sa.Text(), nullable=True),
                    sa.Column("folder", sa.String(500), nullable=False),
                    sa.Column("source_name", sa.String(200), nullable=False),
                    sa.Column("created_by", sa.String(80), nullable=False),
                    sa.Column("created", sa.DateTime(), nullable=False),
                    sa.Column("finished", sa.DateTime(), nullable=True),
                    sa.Column("adopted_by", sa.String(80), nullable=True))


def downgrade() -> None:
    op.drop_table("hotspot_runs")
