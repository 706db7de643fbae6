"""Database URLs, engines and migrations for the round store.

SQLite is the default: ``DIR/store.sqlite3`` in the data folder, in WAL mode with foreign
keys on; every write transaction starts with ``BEGIN IMMEDIATE``, so writers queue up
instead of failing half-way. PostgreSQL is chosen with a URL (``postgresql://…``,
driven by psycopg 3); writers lock the unit they change (``SELECT … FOR UPDATE``).

Migrations are Alembic scripts shipped inside the package; ``migrate`` brings a database
to the newest revision under a lock (a ``BEGIN IMMEDIATE`` transaction on SQLite, an
advisory lock on PostgreSQL), so two processes opening one new data folder agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from toolkit.store.errors import StoreError
from toolkit.store.schema import HEAD_REVISION, REVISIONS

SQLITE_NAME = "store.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_MIGRATION_LOCK = 7_212_027_012  # pg_advisory_xact_lock key of the store's migrations
SQLITE_BUSY_SECONDS = 120


def database_url(data_dir: Path, database: str | None) -> str:
    """The SQLAlchemy URL for ``--database`` (None: the SQLite file in the data folder)."""
    if not database:
        return f"sqlite:///{data_dir / SQLITE_NAME}"
    try:
        url = make_url(database)
    except ArgumentError as exc:
        raise StoreError("bad-database", f"数据库地址无法识别：{database}") from exc
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite" and url.database:
        return url.set(drivername="sqlite").render_as_string(hide_password=False)
    raise StoreError(
        "bad-database", f"只支持 SQLite 和 PostgreSQL 数据库（postgresql://…），得到 {backend}"
    )


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """An engine with the store's connection settings; write with ``writer(engine)``."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # transactions are begun by _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("store_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock at BEGIN."""
    return engine.execution_options(store_write=True)


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed on success, rolled back on any exception."""
    with writer(engine).begin() as conn:
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """One read transaction: a consistent snapshot of the store."""
    with engine.begin() as conn:
        yield conn


def current_revision(conn: Connection) -> str | None:
    """The store's Alembic revision, or None for an empty database."""
    try:
        with conn.begin_nested():
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, ProgrammingError):
        return None
    return row[0] if row else None


def migrate(engine: Engine) -> bool:
    """Upgrade the database to the newest revision; True when anything was applied.

    A database at a revision this release does not know (made by a newer release) is
    refused with ``StoreError("newer-database")`` rather than touched.
    """
    with read_tx(engine) as conn:
        if current_revision(conn) == HEAD_REVISION:
            return False
    with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        found = current_revision(conn)
        if found == HEAD_REVISION:
            return False
        if found is not None and found not in REVISIONS:
            raise StoreError(
                "newer-database",
                f"数据库版本 {found} 由更新的 budget-toolkit 写入，请先升级本程序",
            )
        _alembic_upgrade(conn)
    return True


def _alembic_upgrade(conn: Connection, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, revision)


def upgrade_to(engine: Engine, revision: str) -> None:
    """Bring an empty or older database to exactly ``revision`` (tests of old folders)."""
    with write_tx(engine) as conn:
        _alembic_upgrade(conn, revision)
