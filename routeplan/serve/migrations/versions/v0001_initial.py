"""Initial schema: users, tokens, sessions, login attempts, scenarios and their edits, jobs, plans, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(), nullable=nullable)


def upgrade() -> None:
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(80), nullable=False, unique=True),
                    sa.Column("role", sa.String(20), nullable=False),
                    sa.Column("unit", sa.String(80), nullable=True),
                    sa.Column("password_hash", sa.String(255), nullable=False), _when("created"))
    op.create_table("api_tokens", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("token_hash", sa.String(64), nullable=False, unique=True), _when("created"))
    op.create_table("sessions", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
                    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
                    sa.Column("csrf", sa.String(64), nullable=False),
                    sa.Column("lang", sa.String(2), nullable=False), _when("expires"))
    op.create_table("login_attempts", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(80), nullable=False),
                    sa.Column("address", sa.String(64), nullable=False),
                    sa.Column("ok", sa.Boolean(), nullable=False), _when("at"))
    op.create_index("ix_login_attempts_at", "login_attempts", ["at"])
    op.create_table("scenarios", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(200), nullable=False),
                    sa.Column("folder", sa.String(500), nullable=False),
                    sa.Column("version", sa.Integer(), nullable=False),
                    sa.Column("checksum", sa.String(64), nullable=False),
                    sa.Column("created_by", sa.String(80), nullable=False), _when("created"), _when("updated"))
    op.create_table("scenario_edits", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("scenario_id", sa.Integer(), sa.ForeignKey("scenarios.id"), nullable=False),
                    sa.Column("version", sa.Integer(), nullable=False),
                    sa.Column("what", sa.String(200), nullable=False),
                    sa.Column("by", sa.String(80), nullable=False), _when("at"),
                    sa.Column("checksum", sa.String(64), nullable=False))
    op.create_table("jobs", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("scenario_id", sa.Integer(), sa.ForeignKey("scenarios.id"), nullable=False),
                    sa.Column("scenario_version", sa.Integer(), nullable=False),
                    sa.Column("state", sa.String(20), nullable=False),
                    sa.Column("progress", sa.Float(), nullable=False),
                    sa.Column("stage", sa.String(200), nullable=False),
                    sa.Column("error", sa.Text(), nullable=True),
                    sa.Column("cancel_requested", sa.Boolean(), nullable=False),
                    sa.Column("seed", sa.Integer(), nullable=False),
                    sa.Column("time_limit", sa.Float(), nullable=False),
                    sa.Column("iterations", sa.Integer(), nullable=False),
                    sa.Column("created_by", sa.String(80), nullable=False), _when("created"),
                    _when("finished", nullable=True), sa.Column("plan_id", sa.Integer(), nullable=True))
    op.create_table("plans", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("scenario_id", sa.Integer(), sa.ForeignKey("scenarios.id"), nullable=False),
                    sa.Column("job_id", sa.Integer(), nullable=False),
                    sa.Column("folder", sa.String(500), nullable=False),
                    sa.Column("inputs_checksum", sa.String(64), nullable=False),
                    sa.Column("seed", sa.Integer(), nullable=False),
                    sa.Column("created_by", sa.String(80), nullable=False), _when("created"),
                    sa.Column("served", sa.Integer(), nullable=False),
                    sa.Column("required", sa.Integer(), nullable=False),
                    sa.Column("approved_by", sa.String(80), nullable=True), _when("approved_at", nullable=True))
    op.create_table("audit_log", sa.Column("id", sa.Integer(), primary_key=True), _when("at"),
                    sa.Column("user", sa.String(80), nullable=False),
                    sa.Column("action", sa.String(80), nullable=False),
                    sa.Column("detail", sa.Text(), nullable=False))
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def downgrade() -> None:
    for name in ("audit_log", "plans", "jobs", "scenario_edits", "scenarios", "login_attempts", "sessions",
                 "api_tokens", "users"):
        op.drop_table(name)
