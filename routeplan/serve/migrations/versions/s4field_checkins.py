"""Check-ins and uploaded tracks of officers (issue #16).

Revision ID: s4field_checkins
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s4field_checkins"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("checkins", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=False, index=True),
                    sa.Column("unit", sa.String(80), nullable=False),
                    sa.Column("object_id", sa.String(200), nullable=False),
                    sa.Column("at", sa.DateTime(), nullable=False),
                    sa.Column("lat", sa.Float(), nullable=True),
                    sa.Column("lon", sa.Float(), nullable=True),
                    sa.Column("user", sa.String(80), nullable=False))
    op.create_table("track_uploads", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("plan_id", sa.Integer(), sa.ForeignKey("plans.id"), nullable=False, index=True),
                    sa.Column("unit", sa.String(80), nullable=False),
                    sa.Column("file", sa.String(500), nullable=False),
                    sa.Column("points", sa.Integer(), nullable=False),
                    sa.Column("at", sa.DateTime(), nullable=False),
                    sa.Column("user", sa.String(80), nullable=False))


def downgrade() -> None:
    op.drop_table("track_uploads")
    op.drop_table("checkins")
