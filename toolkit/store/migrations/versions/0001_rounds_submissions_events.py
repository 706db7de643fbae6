"""The first round store: rounds, their units, submissions with issues and line items, events.

Revision ID: 0001
Revises:
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "store_info",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_store_info"),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("catalog_id", sa.Text(), nullable=False),
        sa.Column("catalog_version", sa.Text(), nullable=False),
        sa.Column("catalog_sha256", sa.String(64), nullable=False),
        sa.Column("catalog_doc", sa.Text(), nullable=False),
        sa.Column("amount_unit", sa.String(8), nullable=False),
        sa.Column("deadline", sa.Text(), nullable=True),
        sa.Column("deadline_date", sa.Date(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rounds"),
        sa.UniqueConstraint("year", "seq", name="uq_rounds_year_seq"),
    )
    op.create_table(
        "round_units",
        sa.Column("round_id", sa.String(40), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit_key", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name="fk_round_units_round_id"),
        sa.PrimaryKeyConstraint("round_id", "unit", name="pk_round_units"),
        sa.UniqueConstraint("round_id", "position", name="uq_round_units_round_id_position"),
        sa.UniqueConstraint("round_id", "unit_key", name="uq_round_units_round_id_unit_key"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.String(40), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=True),
        sa.Column("source_note", sa.Text(), nullable=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("received_by", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("check_status", sa.String(16), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_accepted", sa.Integer(), nullable=False),
        sa.Column("amount_read_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_accepted_fen", sa.BigInteger(), nullable=False),
        sa.Column("file_unit", sa.Text(), nullable=True),
        sa.Column("file_year", sa.Integer(), nullable=True),
        sa.Column("file_round", sa.Text(), nullable=True),
        sa.Column("file_catalog_sha256", sa.String(64), nullable=True),
        sa.Column("check_json", sa.Text(), nullable=False),
        sa.Column("toolkit_version", sa.String(32), nullable=False),
        sa.Column("signer", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("submitted_at", TZ, nullable=True),
        sa.Column("submitted_by", sa.Text(), nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.CheckConstraint("version >= 1", name="ck_submissions_version_positive"),
        sa.CheckConstraint(
            "state IN ('received', 'submitted', 'approved', 'returned')",
            name="ck_submissions_state_known",
        ),
        sa.CheckConstraint("source IN ('import', 'upload')", name="ck_submissions_source_known"),
        sa.ForeignKeyConstraint(
            ["round_id", "unit"],
            ["round_units.round_id", "round_units.unit"],
            name="fk_submissions_round_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint(
            "round_id", "unit", "version", name="uq_submissions_round_id_unit_version"
        ),
        sa.UniqueConstraint(
            "round_id", "unit", "sha256", name="uq_submissions_round_id_unit_sha256"
        ),
    )
    op.create_table(
        "issues",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column("cell", sa.Text(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("column", sa.Integer(), nullable=True),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_issues_submission_id"
        ),
        sa.PrimaryKeyConstraint("submission_id", "seq", name="pk_issues"),
    )
    op.create_table(
        "line_items",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column("row", sa.Integer(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("level1", sa.Text(), nullable=True),
        sa.Column("level2", sa.Text(), nullable=True),
        sa.Column("project", sa.Text(), nullable=True),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("amount_cell", sa.Text(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_line_items_submission_id"
        ),
        sa.PrimaryKeyConstraint("submission_id", "seq", name="pk_line_items"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.String(40), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"], name="fk_events_round_id"),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name="fk_events_submission_id"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
    )
    op.create_index("ix_events_round_id_unit", "events", ["round_id", "unit"])


def downgrade() -> None:
    op.drop_index("ix_events_round_id_unit", table_name="events")
    for table in ("events", "line_items", "issues", "submissions", "round_units", "rounds"):
        op.drop_table(table)
    op.drop_table("store_info")
