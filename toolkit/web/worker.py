"""The portal's worker processes: every workbook is opened there, never in the web process.

A ``Workers`` pool runs a bounded number of jobs at a time (``max_workers`` processes,
and a semaphore so that requests beyond that wait their turn instead of piling up in
the pool's queue). Each worker process starts with an address-space limit (memory) and
the checker's own limits apply inside (file size, inflated size, rows, seconds); a job
that still runs past its wall time, or a worker that dies, costs the pool, which is
replaced, never the web process.

The job functions below take and return plain, picklable data.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from toolkit.store.intake import Context, Examined, Job, examine

MB = 1024 * 1024


class WorkerFailed(Exception):
    """A job could not be done (a worker died or ran past its time); said in Chinese."""


def _init_worker(memory_bytes: int | None) -> None:
    if memory_bytes:
        import resource

        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


class Workers:
    """A bounded process pool for checks, annotated copies and round reports."""

    def __init__(
        self, max_workers: int = 2, memory_mb: int | None = 3072, job_seconds: float = 180.0
    ) -> None:
        self.max_workers = max(1, max_workers)
        self.memory_bytes = memory_mb * MB if memory_mb else None
        self.job_seconds = job_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.max_workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.memory_bytes,),
            )
        return self._pool

    def _reset(self) -> None:
        """Drop a broken or stuck pool: kill its processes, start afresh on the next job."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for proc in list(getattr(pool, "_processes", {}).values()):  # stdlib keeps them here
            with contextlib.suppress(Exception):
                proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` in a worker process, at most ``max_workers`` at once."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_workers)
        async with self._slots:
            loop = asyncio.get_running_loop()
            try:
                future = loop.run_in_executor(self._executor(), fn, *args)
                return await asyncio.wait_for(future, self.job_seconds)
            except BrokenProcessPool as exc:
                self._reset()
                raise WorkerFailed(
                    "检查进程意外退出（文件可能过大或损坏），请检查文件后重试"
                ) from exc
            except TimeoutError as exc:
                self._reset()
                raise WorkerFailed(f"检查超过 {self.job_seconds:g} 秒未完成，已停止") from exc

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# -- jobs (run in the worker processes) ---------------------------------------------------
def check_upload(ctx: Context, path: str, name: str, unit: str) -> Examined:
    """Copy, hash and check an uploaded file as the round's ``unit`` sent it."""
    return examine(ctx, Job(path=path, name=name, expected_unit=unit))


def annotate_original(ctx: Context, original: str, target: str) -> str | None:
    """Write the annotated copy of a stored original to ``target``; None: no issues."""
    import toolkit
    from toolkit.output.annotate import annotate
    from toolkit.store.intake import _catalog

    with tempfile.TemporaryDirectory(dir=Path(target).parent) as tmp:
        work = Path(tmp) / "original.xlsx"
        shutil.copyfile(original, work)
        result = toolkit.check([work], _catalog(ctx), units=list(ctx.units), jobs=1)
        done = annotate(result, Path(tmp) / "out")
        if not done:
            return None
        if done[0].target is None:
            raise WorkerFailed(done[0].reason)
        os.replace(done[0].target, target)
    return target


def round_report(
    data_dir: str, database: str | None, round_id: str, kind: str, target: str, include: bool
) -> list[str]:
    """Write the round's roll-up (``xlsx``, ``json`` or a ``csv`` folder) exactly as
    ``budget-toolkit rollup --round`` does; returns the discrepancies (empty: written)."""
    from toolkit.output.report import write_csv, write_json
    from toolkit.output.report_xlsx import write_report
    from toolkit.store.rollup import rollup_round
    from toolkit.store.store import open_store

    with open_store(data_dir, database) as st:
        done = rollup_round(st, round_id, include_submitted=include, jobs=1)
    if done.discrepancies:
        return [
            f"{d.unit}第{d.version}版 {d.field}：接收时 {d.stored}，现在 {d.found}"
            for d in done.discrepancies
        ]
    summary = done.summary()
    {"xlsx": write_report, "json": write_json, "csv": write_csv}[kind](summary, target)
    return []
