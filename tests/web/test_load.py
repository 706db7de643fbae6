"""Load and faults through a real server (loopback, bounded): 16 units uploading at once,
and SIGKILL of the server in the middle of uploads."""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from webserver import Server

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import web_bench


@pytest.fixture
def two_rounds(tmp_path: Path) -> web_bench.Prepared:
    return web_bench.prepare(tmp_path, units=16, rows=40, rounds=2)


def _receive_events(data_dir: Path, round_id: str) -> int:
    from toolkit.store import history, open_store

    with open_store(data_dir) as st:
        return sum(e.kind == "submission.receive" for e in history(st, round_id))


def test_sixteen_units_upload_at_once(two_rounds: web_bench.Prepared) -> None:
    server = Server(two_rounds.data_dir, workers=2).start()
    try:
        out = web_bench.run_load(server.url, two_rounds, rounds=2)
        check = web_bench.cross_check(server.url, two_rounds, rounds=2)
    finally:
        server.stop()
    assert out.failures == []
    assert out.health_checks > 0 and out.health_failures == 0
    assert check["versions_ok"], check["versions"]
    assert check["totals_equal"], (check["board_total"], check["cli_total"])
    assert _receive_events(two_rounds.data_dir, two_rounds.round_id) == 32  # each once


def _recorded(data_dir: Path, round_id: str) -> int:
    from toolkit.store import open_store, round_status

    with open_store(data_dir) as st:
        return round_status(st, round_id).counts["received"]


def test_sigkill_during_uploads_loses_nothing_committed(tmp_path: Path) -> None:
    from toolkit.store import open_store, round_status, verify_store

    prep = web_bench.prepare(tmp_path, units=16, rows=150, rounds=1)
    server = Server(prep.data_dir, workers=2).start()
    with ThreadPoolExecutor(max_workers=16) as pool:
        jobs = {u: pool.submit(web_bench.upload, server.url, t, prep.files[u][0], 60)
                for u, t in prep.tokens.items()}  # fmt: skip
        end = time.monotonic() + 60
        while _recorded(prep.data_dir, prep.round_id) == 0 and time.monotonic() < end:
            time.sleep(0.05)
        server.kill()  # SIGKILL: the server and its worker processes
        answers = {u: j.result() for u, j in jobs.items()}
    answered = {u for u, (_, error) in answers.items() if error is None}
    with open_store(prep.data_dir) as st:
        assert verify_store(st, prep.round_id) == []  # nothing half-written is visible
        board = round_status(st, prep.round_id)
        stored = {u.unit for u in board.units if u.current is not None}
        assert all(u.versions <= 1 for u in board.units)
    assert answered <= stored  # every upload the clerk saw a result for is there
    assert 0 < len(stored) < 16, "the kill should land while uploads are in flight"

    server = Server(prep.data_dir, workers=2).start()  # restart; every clerk retries
    try:
        retries = [web_bench.upload(server.url, t, prep.files[u][0]) for u, t in
                   prep.tokens.items()]  # fmt: skip
    finally:
        server.stop()
    assert [e for _, e in retries if e] == []
    with open_store(prep.data_dir) as st:
        assert verify_store(st, prep.round_id) == []
        board = round_status(st, prep.round_id)
        assert [u.versions for u in board.units] == [1] * 16  # retried once, recorded once
