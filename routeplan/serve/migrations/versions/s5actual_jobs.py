"""Jobs of a second kind: plan against actual of a plan (``kind = 'actual'``, ``plan_id`` the compared plan).

Revision ID: s5actual_jobs
Revises: s4field_checkins
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s5actual_jobs"
down_revision = "s4field_checkins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("kind", sa.String(20), nullable=False, server_default="plan"))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("kind")
