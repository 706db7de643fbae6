"""Guards in the database itself: the event log is append-only, what was received never
changes, and a submission's state moves only along the lifecycle's transitions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Tables whose rows are never updated or deleted once written.
FROZEN = ("events", "issues", "line_items", "rounds", "round_units")
# Columns of a submission fixed when it is received (the state and decision columns move).
RECEIVED = (
    "round_id", "unit", "version", "sha256", "size", "original_name", "source",
    "source_path", "source_note", "received_at", "received_by", "check_status", "errors",
    "warnings", "rows_read", "rows_accepted", "amount_read_fen", "amount_accepted_fen",
    "file_unit", "file_year", "file_round", "file_catalog_sha256", "check_json",
    "toolkit_version",
)  # fmt: skip
# The lifecycle (toolkit.store.lifecycle.TRANSITIONS) as (from, to) pairs.
MOVES = (
    ("received", "submitted"),
    ("submitted", "approved"),
    ("received", "returned"),
    ("submitted", "returned"),
    ("approved", "returned"),
)


def _moves_sql() -> str:
    return " OR ".join(f"(OLD.state = '{a}' AND NEW.state = '{b}')" for a, b in MOVES)


def _sqlite() -> None:
    for table in FROZEN:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER guard_{table}_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are never changed'); END"
            )
    op.execute(
        "CREATE TRIGGER guard_submissions_delete BEFORE DELETE ON submissions "
        "BEGIN SELECT RAISE(ABORT, 'submissions are never deleted'); END"
    )
    changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in RECEIVED)
    op.execute(
        "CREATE TRIGGER guard_submissions_received BEFORE UPDATE ON submissions "
        f"WHEN {changed} "
        "BEGIN SELECT RAISE(ABORT, 'a received submission never changes'); END"
    )
    op.execute(
        "CREATE TRIGGER guard_submissions_state BEFORE UPDATE OF state ON submissions "
        f"WHEN NEW.state IS NOT OLD.state AND NOT ({_moves_sql()}) "
        "BEGIN SELECT RAISE(ABORT, 'not a lifecycle transition'); END"
    )


def _postgresql() -> None:
    op.execute(
        "CREATE FUNCTION bt_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% rows are never changed', TG_TABLE_NAME; END $$"
    )
    for table in FROZEN:
        op.execute(
            f"CREATE TRIGGER guard_{table} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION bt_frozen()"
        )
    new = ", ".join(f'NEW."{c}"' for c in RECEIVED)
    old = ", ".join(f'OLD."{c}"' for c in RECEIVED)
    op.execute(
        "CREATE FUNCTION bt_submission_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'submissions are never deleted'; END IF; "
        f"IF ROW({new}) IS DISTINCT FROM ROW({old}) THEN "
        "RAISE EXCEPTION 'a received submission never changes'; END IF; "
        f"IF NEW.state IS DISTINCT FROM OLD.state AND NOT ({_moves_sql()}) THEN "
        "RAISE EXCEPTION 'not a lifecycle transition'; END IF; "
        "RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER guard_submissions BEFORE UPDATE OR DELETE ON submissions "
        "FOR EACH ROW EXECUTE FUNCTION bt_submission_guard()"
    )


def upgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        _sqlite()
    elif name == "postgresql":
        _postgresql()
    else:  # pragma: no cover - the store refuses other databases before migrating
        raise RuntimeError(f"unsupported database: {name}")


def downgrade() -> None:
    name = op.get_bind().dialect.name
    if name == "sqlite":
        for table in FROZEN:
            op.execute(f"DROP TRIGGER guard_{table}_update")
            op.execute(f"DROP TRIGGER guard_{table}_delete")
        for suffix in ("delete", "received", "state"):
            op.execute(f"DROP TRIGGER guard_submissions_{suffix}")
    else:
        for table in (*FROZEN, "submissions"):
            op.execute(f"DROP TRIGGER guard_{table} ON {table}")
        op.execute("DROP FUNCTION bt_submission_guard()")
        op.execute("DROP FUNCTION bt_frozen()")
