"""Unit links of the web portal: one private token per unit, stored only as its SHA-256.

A token is revoked (``revoked_at``), never deleted, so the log of who could reach a
unit's page stays whole; at most one live token per unit is the portal's rule.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unit_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.String(40), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id", "unit"],
            ["round_units.round_id", "round_units.unit"],
            name="fk_unit_tokens_round_id",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_unit_tokens"),
        sa.UniqueConstraint("token_sha256", name="uq_unit_tokens_token_sha256"),
    )
    op.create_index("ix_unit_tokens_round_id_unit", "unit_tokens", ["round_id", "unit"])


def downgrade() -> None:
    op.drop_index("ix_unit_tokens_round_id_unit", table_name="unit_tokens")
    op.drop_table("unit_tokens")
