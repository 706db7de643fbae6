"""Opening a data folder: its database (migrated), its originals, its identity.

A data folder holds ``store.json`` (the store's id), the originals, scratch space and,
by default, the SQLite database. The same id is written into the database, so a data
folder is never used with another store's database (nor two folders with one database):
originals and rows that belong together stay together.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from toolkit.store import db
from toolkit.store.blobs import BlobStore
from toolkit.store.errors import NotFound, StoreError
from toolkit.store.schema import store_info

MARKER = "store.json"
FORMAT = 1


@dataclass
class Store:
    """An open data folder. Close it (or use it as a context manager) when done."""

    root: Path
    url: str
    engine: Engine
    blobs: BlobStore
    store_id: str
    _closed: bool = field(default=False, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        if not self._closed:
            self.engine.dispose()
            self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_store(data_dir: str | Path, database: str | None = None, *, create: bool = False) -> Store:
    """Open (with ``create=True``: create if needed) the data folder ``data_dir``.

    ``database``: a SQLAlchemy URL (``postgresql://…``) or None for the SQLite file in
    the folder. The database is migrated to the newest revision on opening.
    """
    root = Path(data_dir)
    if not (root / MARKER).is_file():
        if not create:
            raise NotFound("no-store", f"数据文件夹不存在或不是报送数据文件夹：{root}")
        root.mkdir(parents=True, exist_ok=True)
        _write_marker(root)
    store_id = _read_marker(root)
    url = db.database_url(root, database)
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        _bind(engine, store_id, root, url)
    except BaseException:
        engine.dispose()
        raise
    return Store(root=root, url=url, engine=engine, blobs=BlobStore(root), store_id=store_id)


def _write_marker(root: Path) -> None:
    """Create ``store.json`` once; two processes creating one folder agree on one id."""
    doc = {"format": FORMAT, "store_id": str(uuid.uuid4())}
    tmp = root / f".{MARKER}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    try:
        os.link(tmp, root / MARKER)  # fails if another process made it first
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _read_marker(root: Path) -> str:
    try:
        doc = json.loads((root / MARKER).read_text(encoding="utf-8"))
        store_id = str(doc["store_id"])
        fmt = int(doc.get("format", 0))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError("bad-store", f"数据文件夹标识 {root / MARKER} 无法读取") from exc
    if fmt > FORMAT:
        raise StoreError("newer-store", f"数据文件夹 {root} 由更新的 budget-toolkit 创建")
    return store_id


def _bind(engine: Engine, store_id: str, root: Path, url: str) -> None:
    """Record the folder's id in a new database, or check that the database is its own."""
    with db.read_tx(engine) as conn:
        found = conn.execute(select(store_info.c.value).where(store_info.c.key == "store_id"))
        value = found.scalar()
    if value is None:
        with db.write_tx(engine) as conn:
            found = conn.execute(select(store_info.c.value).where(store_info.c.key == "store_id"))
            value = found.scalar()
            if value is None:
                conn.execute(store_info.insert().values(key="store_id", value=store_id))
                value = store_id
    if value != store_id:
        raise StoreError(
            "store-mismatch",
            f"数据库 {db.describe(url)} 属于另一个数据文件夹，不能与 {root} 一起使用",
        )
