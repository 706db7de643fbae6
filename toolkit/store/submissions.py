"""Receiving files into a round, and the lifecycle actions on its versions.

Receiving is two steps. ``intake.examine`` copies, hashes and checks a file and moves
the original into ``originals/`` (in worker processes for a batch). Then one database
transaction per file, holding the unit's lock, decides what it is (a new version, the
same bytes as an earlier version, or refused because the unit's current version is
已提交/已审核) and writes the submission, its issues, its line items and its events. A
submission exists only once that transaction commits, and by then its original is on
disk: a process killed at any point leaves at most an unreferenced original, which is
never listed or counted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from toolkit.store import events as ev
from toolkit.store.actions import confirm_in
from toolkit.store.blobs import sha256_file
from toolkit.store.db import read_tx, write_tx
from toolkit.store.intake import (
    ITEM_COLUMNS,
    Context,
    Examined,
    Job,
    examine,
    find_files,
    remember_catalog,
)
from toolkit.store.lifecycle import LOCKED, State
from toolkit.store.models import Receipt, Submission
from toolkit.store.queries import load_submission, lock_unit, unit_versions
from toolkit.store.rounds import get_round, round_catalog, round_unit
from toolkit.store.schema import SOURCES, issues, line_items, submissions

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.store.store import Store

_INSERT_SUBMISSION = submissions.insert()
FILES_PER_JOB = 8  # like `check --jobs auto`: a worker process per CPU once each gets 8 files


@dataclass(frozen=True)
class Intake:
    """How a batch came in: its source, the sender (when known) and who handled it."""

    actor: str
    source: str = "import"  # "import" (finance's files) or "upload" (the portal)
    note: str | None = None  # e.g. the e-mail it came with
    confirm_signed: bool = True  # a clean file with 填报人 and 联系电话 is 已提交 at once


def receive_files(
    store: Store,
    round_id: str,
    paths: Iterable[str | Path],
    *,
    actor: str,
    unit: str | None = None,
    source: str = "import",
    note: str | None = None,
    confirm_signed: bool = True,
    jobs: int | None = None,
    progress: Callable[[int, int, Receipt], None] | None = None,
) -> list[Receipt]:
    """Receive files (folders are searched) into the round: one ``Receipt`` per file.

    ``unit``: the sender, when known (the portal's unit link, or finance's ``--unit``);
    otherwise each file is filed under the unit it names. ``confirm_signed``: a clean
    file whose signature block gives 填报人 and 联系电话 goes straight to 已提交 (an
    e-mailed file is the office's submission). ``jobs``: worker processes (None: one per
    CPU when each gets 8 files or more). Receipts come in the order of the files.
    """
    files = find_files([Path(p) for p in paths])
    named = [(str(f), f.name) for f in files]
    intake = Intake(actor=actor, source=source, note=note, confirm_signed=confirm_signed)
    return _receive(store, round_id, named, unit, intake, jobs, progress)


def receive_file(
    store: Store,
    round_id: str,
    path: str | Path,
    *,
    name: str | None = None,
    actor: str,
    unit: str | None = None,
    source: str = "upload",
    note: str | None = None,
    confirm_signed: bool = False,
) -> Receipt:
    """Receive one file, e.g. the portal's upload saved at ``path``, sent as ``name``.

    The portal passes the unit of the link (``unit``); the clerk confirms later with
    ``actions.confirm`` (so ``confirm_signed`` is off by default here).
    """
    intake = Intake(actor=actor, source=source, note=note, confirm_signed=confirm_signed)
    named = [(str(path), name or Path(path).name)]
    return _receive(store, round_id, named, unit, intake, 1, None)[0]


def _receive(
    store: Store,
    round_id: str,
    named: list[tuple[str, str]],
    unit: str | None,
    intake: Intake,
    jobs: int | None,
    progress: Callable[[int, int, Receipt], None] | None,
) -> list[Receipt]:
    if intake.source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    ctx = intake_context(store, round_id)
    expected = round_unit(store, round_id, unit) if unit else None
    store.blobs.clean_stale()
    known = _known(store, ctx.round_id)
    work = [_triage(Job(path, name, expected), known) for path, name in named]
    results = _examine_all(ctx, [w for w in work if isinstance(w, Job)], jobs)
    receipts: list[Receipt] = []
    for item in work:
        if isinstance(item, Job):
            receipts.append(record_examined(store, ctx.round_id, next(results), intake))
        else:
            receipts.append(_record_known(store, ctx.round_id, item, intake))
        if progress is not None:
            progress(len(receipts), len(work), receipts[-1])
    return receipts


def intake_context(store: Store, round_id: str) -> Context:
    """What ``intake.examine`` needs to check files for the round, in a form that can be
    sent to a worker process (the portal's upload worker: ``examine(ctx, Job(...))`` there,
    then ``record_examined(store, round_id, examined, Intake(...))`` where the database is)."""
    rnd = get_round(store, round_id)
    cat = round_catalog(store, round_id)
    remember_catalog(cat)
    return Context(
        data_dir=str(store.root),
        round_id=rnd.id,
        year=rnd.year,
        catalog_id=rnd.catalog_id,
        catalog_sha256=rnd.catalog_sha256,
        catalog_doc=json.dumps(cat.to_dict(), ensure_ascii=False),
        units=rnd.units,
    )


def _known(store: Store, round_id: str) -> dict[str, list[tuple[str, int]]]:
    """sha256 -> [(unit, version)] of the round's stored versions."""
    with read_tx(store.engine) as conn:
        rows = conn.execute(
            select(submissions.c.sha256, submissions.c.unit, submissions.c.version).where(
                submissions.c.round_id == round_id
            )
        )
        known: dict[str, list[tuple[str, int]]] = {}
        for sha, unit, version in rows:
            known.setdefault(sha, []).append((unit, version))
    return known


def _triage(job: Job, known: dict[str, list[tuple[str, int]]]) -> Job | Receipt:
    """A Job to examine, or (for bytes the round already has) a duplicate Receipt."""
    try:
        sha, _ = sha256_file(Path(job.path))
    except OSError:
        return job  # examine() reports why it cannot be read
    for unit, version in known.get(sha, []):
        if job.expected_unit is None or unit == job.expected_unit:
            return Receipt(path=job.path, name=job.name, sha256=sha, outcome="duplicate",
                           unit=unit, version=version)  # fmt: skip
    return job


def _examine_all(ctx: Context, todo: Sequence[Job], jobs: int | None) -> Iterator[Examined]:
    n = jobs if jobs is not None else min(os.cpu_count() or 1, len(todo) // FILES_PER_JOB)
    if n <= 1 or len(todo) <= 1:
        return (examine(ctx, job) for job in todo)
    return _pooled(ctx, todo, n)


def _pooled(ctx: Context, todo: Sequence[Job], n: int) -> Iterator[Examined]:
    import multiprocessing

    with ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(examine, [ctx] * len(todo), todo, chunksize=2)


# -- the transaction that makes a received file a submission ------------------------------
def record_examined(store: Store, round_id: str, ex: Examined, intake: Intake) -> Receipt:
    """Commit what ``examine`` found: a new version, a duplicate, or a refusal."""
    base = {"path": ex.job.path, "name": ex.job.name, "sha256": ex.sha256, "check": ex.check}
    with write_tx(store.engine) as conn:
        if ex.refusal is not None or ex.unit is None:
            reason, message = ex.refusal or ("unit-undetermined", "无法确定填报单位")
            return _refuse(conn, round_id, ex.unit or ex.job.expected_unit, base, reason,
                           message, intake)  # fmt: skip
        lock_unit(conn, round_id, ex.unit)
        versions = unit_versions(conn, round_id, ex.unit)
        for old in versions:
            if old.sha256 == ex.sha256:
                _duplicate_event(conn, old, base, intake)
                return Receipt(**base, outcome="duplicate", unit=ex.unit, version=old.version,
                               submission=old)  # fmt: skip
        current = versions[-1] if versions else None
        if current is not None and current.state in LOCKED:
            message = (
                f"{ex.unit}第 {current.version} 版{current.state.label}，新文件未接收；"
                "如需更换，请先退回该版本（budget-toolkit return）"
            )
            return _refuse(conn, round_id, ex.unit, base, "unit-locked", message, intake)
        sub_id = _insert(conn, round_id, ex, (current.version if current else 0) + 1, intake)
        if intake.confirm_signed and ex.status == "ok" and not ex.errors and ex.signer and ex.phone:
            confirm_in(conn, load_submission(conn, sub_id), ex.signer, ex.phone, intake.actor,
                       {"via": "file-signature"})  # fmt: skip
        sub = load_submission(conn, sub_id)
    return Receipt(**base, outcome="new", unit=sub.unit, version=sub.version, submission=sub)


def _record_known(store: Store, round_id: str, dup: Receipt, intake: Intake) -> Receipt:
    """A file whose bytes the round already has: log that it came again."""
    with write_tx(store.engine) as conn:
        old = next(
            s for s in unit_versions(conn, round_id, dup.unit or "") if s.version == dup.version
        )
        _duplicate_event(conn, old, {"path": dup.path, "name": dup.name}, intake)
    return Receipt(path=dup.path, name=dup.name, sha256=dup.sha256, outcome="duplicate",
                   unit=old.unit, version=old.version, submission=old)  # fmt: skip


def _duplicate_event(
    conn: Connection, old: Submission, base: dict[str, Any], intake: Intake
) -> None:
    ev.record(conn, old.round_id, "submission.duplicate", intake.actor, unit=old.unit,
              submission_id=old.id, version=old.version,
              detail={"name": base["name"], "path": base["path"], "source": intake.source,
                      "note": intake.note, "state": old.state.value})  # fmt: skip


def _refuse(
    conn: Connection,
    round_id: str,
    unit: str | None,
    base: dict[str, Any],
    reason: str,
    message: str,
    intake: Intake,
) -> Receipt:
    ev.record(conn, round_id, "submission.refuse", intake.actor, unit=unit,
              detail={"reason": reason, "message": message, "name": base["name"],
                      "path": base["path"], "sha256": base["sha256"], "source": intake.source,
                      "note": intake.note})  # fmt: skip
    return Receipt(**base, outcome="refused", unit=unit, reason=reason, message=message)


def _submission_values(round_id: str, ex: Examined, version: int, intake: Intake) -> dict[str, Any]:
    import toolkit

    return {
        "round_id": round_id, "unit": ex.unit, "version": version, "sha256": ex.sha256,
        "size": ex.size, "original_name": ex.job.name, "source": intake.source,
        "source_path": ex.job.path if intake.source == "import" else None,
        "source_note": intake.note, "received_at": ev.now(), "received_by": intake.actor,
        "state": State.RECEIVED.value, "check_status": ex.status, "errors": ex.errors,
        "warnings": ex.warnings, "rows_read": ex.rows_read, "rows_accepted": ex.rows_accepted,
        "amount_read_fen": ex.amount_read_fen, "amount_accepted_fen": ex.amount_accepted_fen,
        "file_unit": ex.file_unit, "file_year": ex.file_year, "file_round": ex.file_round,
        "file_catalog_sha256": ex.file_catalog_sha256, "toolkit_version": toolkit.__version__,
        "check_json": json.dumps(ex.check, ensure_ascii=False),
    }  # fmt: skip


def _insert(conn: Connection, round_id: str, ex: Examined, version: int, intake: Intake) -> int:
    """The submission, its issues and line items, and its receive and check events."""
    values = _submission_values(round_id, ex, version, intake)
    sub_id = int(conn.execute(_INSERT_SUBMISSION, values).inserted_primary_key[0])
    if ex.issues:
        rows = [{"submission_id": sub_id, "seq": i, **x} for i, x in enumerate(ex.issues, 1)]
        conn.execute(issues.insert(), rows)
    if ex.items:
        _insert_items(conn, sub_id, ex.items)
    at = values["received_at"]
    common = {"at": at, "unit": ex.unit, "submission_id": sub_id, "version": version}
    received = {"name": ex.job.name, "path": values["source_path"], "sha256": ex.sha256,
                "size": ex.size, "source": intake.source, "note": intake.note}  # fmt: skip
    ev.record(conn, round_id, "submission.receive", intake.actor, to_state="received",
              detail=received, **common)  # fmt: skip
    checked = {"status": ex.status, "errors": ex.errors, "warnings": ex.warnings,
               "rows": ex.rows_read, "rows_accepted": ex.rows_accepted,
               "amount_read_fen": ex.amount_read_fen,
               "amount_accepted_fen": ex.amount_accepted_fen,
               "toolkit_version": values["toolkit_version"]}  # fmt: skip
    ev.record(conn, round_id, "submission.check", intake.actor, detail=checked, **common)
    return sub_id


def _insert_items(conn: Connection, sub_id: int, items: list[tuple[Any, ...]]) -> None:
    """Line items in one DBAPI executemany (hundreds per file: SQLAlchemy's per-row
    parameter handling would cost more than the insert itself)."""
    names = ("submission_id", "seq", *ITEM_COLUMNS)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(f'"{n}"' for n in names)
    sql = f"INSERT INTO line_items ({columns}) VALUES ({', '.join([mark] * len(names))})"
    assert set(names) == {c.name for c in line_items.c}
    conn.exec_driver_sql(sql, [(sub_id, i, *item) for i, item in enumerate(items, 1)])
