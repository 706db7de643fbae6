"""The round store's tables (SQLAlchemy Core), as the newest migration leaves them.

The migrations in ``toolkit/store/migrations/versions`` are the source of truth for the
database; these ``Table`` objects are what the code queries, and a test compares the two
(``alembic`` autogenerate finds no difference after ``upgrade head``).

Money is integer fen (``BigInteger``); times are UTC (``UTCDateTime``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Every revision this release knows, oldest first; the last one is the head. A database
# at a revision not listed here was written by a newer release and is not opened.
REVISIONS = ("0001", "0002", "0003")
HEAD_REVISION = REVISIONS[-1]

STATES = ("received", "submitted", "approved", "returned")
SOURCES = ("import", "upload")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite keeps them as naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    }
)

store_info = Table(
    "store_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

rounds = Table(
    "rounds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("catalog_id", Text, nullable=False),
    Column("catalog_version", Text, nullable=False),
    Column("catalog_sha256", String(64), nullable=False),
    Column("catalog_doc", Text, nullable=False),  # the catalogue document (JSON), kept whole
    Column("amount_unit", String(8), nullable=False),
    Column("deadline", Text),
    Column("deadline_date", Date),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", Text, nullable=False),
    UniqueConstraint("year", "seq"),
)

round_units = Table(
    "round_units",
    metadata,
    Column("round_id", String(40), ForeignKey("rounds.id"), primary_key=True),
    Column("unit", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("unit_key", Text, nullable=False),  # NFKC, spaces removed: how files name it
    UniqueConstraint("round_id", "position"),
    UniqueConstraint("round_id", "unit_key"),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", String(40), nullable=False),
    Column("unit", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("original_name", Text, nullable=False),
    Column("source", String(16), nullable=False),
    Column("source_path", Text),
    Column("source_note", Text),
    Column("received_at", UTCDateTime, nullable=False),
    Column("received_by", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("check_status", String(16), nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_accepted", Integer, nullable=False),
    Column("amount_read_fen", BigInteger, nullable=False),
    Column("amount_accepted_fen", BigInteger, nullable=False),
    Column("file_unit", Text),
    Column("file_year", Integer),
    Column("file_round", Text),
    Column("file_catalog_sha256", String(64)),
    Column("check_json", Text, nullable=False),  # the file's block of `check --format json`
    Column("toolkit_version", String(32), nullable=False),
    Column("signer", Text),
    Column("phone", Text),
    Column("submitted_at", UTCDateTime),
    Column("submitted_by", Text),
    Column("decided_at", UTCDateTime),
    Column("decided_by", Text),
    Column("decision_note", Text),
    ForeignKeyConstraint(["round_id", "unit"], ["round_units.round_id", "round_units.unit"]),
    UniqueConstraint("round_id", "unit", "version"),
    UniqueConstraint("round_id", "unit", "sha256"),
    CheckConstraint("version >= 1", name="version_positive"),
    CheckConstraint(
        "state IN ('received', 'submitted', 'approved', 'returned')", name="state_known"
    ),
    CheckConstraint("source IN ('import', 'upload')", name="source_known"),
)

issues = Table(
    "issues",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("rule", String(64), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("sheet", Text),
    Column("cell", Text),
    Column("row", Integer),
    Column("column", Integer),
    Column("value", Text),
    Column("message", Text, nullable=False),
)

line_items = Table(
    "line_items",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("sheet", Text),
    Column("row", Integer),
    Column("code", Text),
    Column("level1", Text),
    Column("level2", Text),
    Column("project", Text),
    Column("amount_fen", BigInteger),
    Column("amount_cell", Text),
    Column("accepted", Boolean, nullable=False),
    Column("reasons", Text, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", String(40), ForeignKey("rounds.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("unit", Text),
    Column("submission_id", Integer, ForeignKey("submissions.id")),
    Column("version", Integer),
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("detail", Text, nullable=False),  # JSON object
    Index(None, "round_id", "unit"),
)

unit_tokens = Table(  # the web portal's unit links (migration 0003): SHA-256 of the token only
    "unit_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", String(40), nullable=False),
    Column("unit", Text, nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("revoked_by", Text),
    ForeignKeyConstraint(["round_id", "unit"], ["round_units.round_id", "round_units.unit"]),
    Index(None, "round_id", "unit"),
)
