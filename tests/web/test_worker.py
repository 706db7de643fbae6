"""The worker pool: a dying or hanging job costs the pool, never the web process."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from toolkit.web.worker import WorkerFailed, Workers


def test_a_worker_that_dies_is_replaced() -> None:
    async def go() -> None:
        w = Workers(max_workers=1, memory_mb=None)
        try:
            with pytest.raises(WorkerFailed, match="意外退出"):
                await w.run(os._exit, 3)
            assert await w.run(abs, -5) == 5  # a fresh pool
        finally:
            w.close()

    asyncio.run(go())


def test_a_job_past_its_time_is_stopped() -> None:
    async def go() -> None:
        w = Workers(max_workers=1, memory_mb=None, job_seconds=1.0)
        try:
            start = time.monotonic()
            with pytest.raises(WorkerFailed, match="超过"):
                await w.run(time.sleep, 30)
            assert time.monotonic() - start < 10
            w.job_seconds = 60.0  # the new pool's first job includes its start-up (~1 s)
            assert await w.run(abs, -2) == 2
        finally:
            w.close()

    asyncio.run(go())


def test_workers_run_under_the_memory_limit() -> None:
    async def go() -> None:
        w = Workers(max_workers=1, memory_mb=256)
        try:
            with pytest.raises(MemoryError):
                await w.run(bytearray, 512 * 1024 * 1024)
            assert await w.run(len, "ok") == 2
        finally:
            w.close()

    asyncio.run(go())


def test_at_most_max_workers_jobs_run_at_once() -> None:
    async def go() -> float:
        w = Workers(max_workers=2, memory_mb=None)
        try:
            await asyncio.gather(w.run(abs, 1), w.run(abs, 1))  # start both processes
            start = time.monotonic()
            await asyncio.gather(*(w.run(time.sleep, 0.5) for _ in range(4)))
            return time.monotonic() - start
        finally:
            w.close()

    assert asyncio.run(go()) >= 0.95  # 4 jobs of 0.5 s, two at a time
