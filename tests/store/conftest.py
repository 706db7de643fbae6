"""Fixtures of the round store's tests: a store on SQLite and, when a server is given,
on PostgreSQL; a round; realistic files made from the round's template.

PostgreSQL: ``BUDGET_TOOLKIT_TEST_PG=postgresql://…`` names a server where the tests may
create and drop databases (one per test). Without it the PostgreSQL half is skipped,
saying why, unless ``BUDGET_TOOLKIT_REQUIRE_PG=1`` (CI), which makes it fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from roundfiles import RoundFiles

PG_ENV, REQUIRE_ENV = "BUDGET_TOOLKIT_TEST_PG", "BUDGET_TOOLKIT_REQUIRE_PG"
UNITS = ("中原区", "二七区", "金水区", "惠济区")


def _unavailable(why: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but PostgreSQL is not usable: {why}")
    pytest.skip(f"PostgreSQL tests skipped: {why}")


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Any]:
    """An AUTOCOMMIT engine on the test server (CREATE/DROP DATABASE)."""
    from sqlalchemy import create_engine, text

    from toolkit.store.db import database_url

    url = os.environ.get(PG_ENV)
    if not url:
        _unavailable(f"{PG_ENV} is not set")
    engine = create_engine(database_url(Path("."), url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        _unavailable(f"cannot connect to {PG_ENV}: {exc}")
    yield engine
    engine.dispose()


def fresh_pg_database(pg_admin: Any) -> Iterator[str]:
    """A new, empty database on the test server; dropped afterwards."""
    from sqlalchemy import text

    name = f"bt_{uuid.uuid4().hex[:16]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (the SQLite file in the data folder) or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    yield from fresh_pg_database(request.getfixturevalue("pg_admin"))


@pytest.fixture
def another_database(request: pytest.FixtureRequest, database: str | None) -> Iterator[str | None]:
    """A second, independent database of the same backend (None on SQLite)."""
    if database is None:
        yield None
        return
    yield from fresh_pg_database(request.getfixturevalue("pg_admin"))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path, database: str | None) -> Iterator[Any]:
    from toolkit.store import open_store

    with open_store(data_dir, database, create=True) as st:
        yield st


@pytest.fixture
def rnd(store: Any) -> Any:
    """A 2027 round of four units, deadline 2026年12月15日."""
    from toolkit.store import create_round

    return create_round(store, 2027, units=UNITS, deadline="2026年12月15日", actor="财政局")


@pytest.fixture
def files(store: Any, rnd: Any, tmp_path: Path) -> RoundFiles:
    return RoundFiles(store, rnd.id, tmp_path / "received")
