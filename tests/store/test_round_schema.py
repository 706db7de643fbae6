"""The database: migrations from the first version, the guards, the folder-database bond."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from roundfiles import RoundFiles, clean_rows
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from toolkit.store import StoreError, approve, open_store, receive_files, round_status, schema
from toolkit.store import db as storedb
from toolkit.store.store import _write_marker


def test_head_revision_matches_the_scripts() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(storedb.MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    walked = [s.revision for s in scripts.walk_revisions()][::-1]
    assert tuple(walked) == schema.REVISIONS
    assert scripts.get_current_head() == schema.HEAD_REVISION


def test_migrated_database_matches_the_schema(store: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        assert storedb.current_revision(conn) == schema.HEAD_REVISION
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []


def test_sqlite_settings(data_dir: Path) -> None:
    with open_store(data_dir, create=True) as st, st.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert (data_dir / "store.sqlite3").is_file()


def _now() -> datetime:
    return datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _fill_first_version(engine: Any, blob_sha: str) -> None:
    """A round with one received submission and its events, as release 0001 wrote them."""
    with storedb.write_tx(engine) as conn:
        conn.execute(insert(schema.rounds).values(
            id="2027-01-abcdef", year=2027, seq=1, catalog_id="c", catalog_version="1",
            catalog_sha256="0" * 64, catalog_doc="{}", amount_unit="元",
            deadline=None, deadline_date=None, created_at=_now(), created_by="财政局",
        ))  # fmt: skip
        conn.execute(insert(schema.round_units).values(
            round_id="2027-01-abcdef", unit="中原区", position=1, unit_key="中原区"))  # fmt: skip
        sub = conn.execute(insert(schema.submissions).values(
            round_id="2027-01-abcdef", unit="中原区", version=1, sha256=blob_sha, size=3,
            original_name="a.xlsx", source="import", received_at=_now(), received_by="财政局",
            state="received", check_status="ok", errors=0, warnings=0, rows_read=1,
            rows_accepted=1, amount_read_fen=12345, amount_accepted_fen=12345,
            check_json="{}", toolkit_version="0.1.0",
        )).inserted_primary_key[0]  # fmt: skip
        conn.execute(insert(schema.line_items).values(
            submission_id=sub, seq=1, code="033A0101", level1="033A", level2="033A01",
            amount_fen=12345, accepted=True, reasons=""))  # fmt: skip
        conn.execute(insert(schema.events).values(
            round_id="2027-01-abcdef", at=_now(), actor="财政局", kind="submission.receive",
            unit="中原区", submission_id=sub, version=1, detail="{}"))  # fmt: skip


def test_a_data_folder_of_the_first_version_opens_and_upgrades(
    data_dir: Path, database: str | None
) -> None:
    data_dir.mkdir()
    _write_marker(data_dir)
    engine = storedb.make_engine(storedb.database_url(data_dir, database))
    storedb.upgrade_to(engine, "0001")
    with engine.connect() as conn:
        assert storedb.current_revision(conn) == "0001"
    sha = "a" * 64
    _fill_first_version(engine, sha)
    with storedb.write_tx(engine) as conn:  # 0001 had no guards: the log could be edited
        conn.execute(text("UPDATE events SET actor = actor"))
    engine.dispose()
    with open_store(data_dir, database) as st:  # opening applies 0002
        with st.engine.connect() as conn:
            assert storedb.current_revision(conn) == schema.HEAD_REVISION
        board = round_status(st, "2027-01-abcdef")
        zy = board.unit("中原区").current
        assert (zy.version, zy.amount_accepted_fen, zy.state.value) == (1, 12345, "received")
        with pytest.raises(DBAPIError), storedb.write_tx(st.engine) as conn:
            conn.execute(text("UPDATE events SET actor = 'someone else'"))


def test_a_newer_database_is_not_touched(data_dir: Path, database: str | None) -> None:
    with open_store(data_dir, database, create=True) as st, storedb.write_tx(st.engine) as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError) as exc:
        open_store(data_dir, database)
    assert exc.value.code == "newer-database"


def test_a_folder_never_pairs_with_another_store(tmp_path: Path, database: str | None) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    with open_store(a, database, create=True):
        pass
    other = database or f"sqlite:///{a / 'store.sqlite3'}"
    with pytest.raises(StoreError) as exc:
        open_store(b, other, create=True)
    assert exc.value.code == "store-mismatch"
    with pytest.raises(StoreError) as missing:
        open_store(tmp_path / "nowhere", database)
    assert missing.value.code == "no-store"


def test_only_sqlite_and_postgresql(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as exc:
        storedb.database_url(tmp_path, "mysql://u@h/db")
    assert exc.value.code == "bad-database"
    url = storedb.database_url(tmp_path, "postgres://u:secret@h:5433/db")
    assert url == "postgresql+psycopg://u:secret@h:5433/db"
    assert "secret" not in storedb.describe(url)


def test_the_database_guards_what_was_received(store: Any, rnd: Any, files: RoundFiles) -> None:
    (r,) = receive_files(store, rnd.id, [files.make("a.xlsx", "中原区", clean_rows(2))],
                         actor="x", jobs=1)  # fmt: skip
    sid = r.submission.id
    forbidden = [
        "UPDATE events SET actor = 'forger'",
        "DELETE FROM events",
        f"UPDATE submissions SET sha256 = '{'0' * 64}' WHERE id = {sid}",
        f"UPDATE submissions SET amount_accepted_fen = 1 WHERE id = {sid}",
        f"UPDATE line_items SET amount_fen = 1 WHERE submission_id = {sid}",
        f"DELETE FROM submissions WHERE id = {sid}",
        f"UPDATE submissions SET state = 'received' WHERE id = {sid}",  # 已提交 -> 已接收
        "UPDATE round_units SET unit = 'x'",
        "DELETE FROM rounds",
    ]
    for sql in forbidden:
        with pytest.raises(DBAPIError), storedb.write_tx(store.engine) as conn:
            conn.execute(text(sql))
    sub = approve(store, rnd.id, "中原区", actor="x")  # the lifecycle's own move passes
    assert sub.state.value == "approved"
    with storedb.read_tx(store.engine) as conn:
        kinds = conn.execute(text("SELECT kind FROM events ORDER BY id")).scalars().all()
    assert kinds[-1] == "submission.approve"
