"""Load benchmark of the web portal (issue 13): units uploading at once through a real
`budget-toolkit serve` on loopback.

    python benchmarks/web_bench.py [--units 16] [--rows 500] [--rounds 10] [--workers 4]

A round of the 16 Zhengzhou units is created in a fresh data folder with a link each;
every unit gets ``--rounds`` different workbooks (its stamped template, ``--rows`` input
rows, filled by openpyxl as in store_bench.py). Then, round after round, all units
upload at once (one thread per unit: open the page, post the file, open the result),
while a thread polls /healthz. Reported: uploads per second, p50/p95 upload-to-result
latency, failures, health-check failures; then the cross-check: every upload recorded
once (versions per unit = rounds) and the board's total equals the CLI roll-up of the
stored current files, to the fen.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests" / "web"))

from store_bench import _rows, fill  # noqa: E402

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Prepared:
    data_dir: Path
    round_id: str
    tokens: dict[str, str]
    files: dict[str, list[Path]]  # unit -> one file per round


def prepare(work: Path, units: int, rows: int, rounds: int, seed: int = 13) -> Prepared:
    """A data folder with one round, a link per unit and the workbooks to upload."""
    import toolkit
    from toolkit.form import load_units
    from toolkit.store import create_round, open_store, write_round_templates
    from toolkit.store.tokens import issue_links
    from toolkit.web.auth import set_password

    names = list(load_units(None))[:units]
    data = work / "data"
    rng = random.Random(seed)
    leaves = [e.code for e in toolkit.load_catalog().leaves]
    with open_store(data, create=True) as st:
        rnd = create_round(st, 2027, units=names, actor="bench")
        templates = write_round_templates(st, rnd.id, work / "templates", rows=rows,
                                          actor="bench")  # fmt: skip
        tokens = {lk.unit: lk.token for lk in issue_links(st, rnd.id, actor="bench")}
    set_password(data, "bench-password")
    files: dict[str, list[Path]] = {}
    for unit, template in zip(names, templates, strict=True):
        files[unit] = []
        for n in range(rounds):
            path = work / "files" / f"{unit}_{n + 1}.xlsx"
            path.parent.mkdir(parents=True, exist_ok=True)
            fill(template, path, _rows(rng, leaves, rows), signed=False)
            files[unit].append(path)
    return Prepared(data, rnd.id, tokens, files)


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    health_failures: int = 0
    health_checks: int = 0
    seconds: float = 0.0


def upload(base: str, token: str, path: Path, timeout: float = 120) -> tuple[float, str | None]:
    """Open the unit's page, post the file, open the result: (seconds, error or None)."""
    import httpx

    start = time.perf_counter()
    try:
        with httpx.Client(base_url=base, timeout=timeout) as c:
            page = c.get(f"/u/{token}/")
            csrf = _CSRF.search(page.text)
            if page.status_code != 200 or not csrf:
                return time.perf_counter() - start, f"page {page.status_code}"
            with path.open("rb") as f:
                r = c.post(f"/u/{token}/upload", data={"csrf": csrf.group(1)},
                           files={"file": (path.name, f)})  # fmt: skip
            if r.status_code != 303:
                return time.perf_counter() - start, f"upload {r.status_code}"
            result = c.get(r.headers["location"])
            if result.status_code != 200 or "检查" not in result.text:
                return time.perf_counter() - start, f"result {result.status_code}"
    except httpx.HTTPError as exc:
        return time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - start, None


def run_load(base: str, prep: Prepared, rounds: int) -> Outcome:
    out = Outcome()
    stop = threading.Event()

    def health() -> None:
        import httpx

        while not stop.is_set():
            out.health_checks += 1
            try:
                if httpx.get(base + "/healthz", timeout=5).status_code != 200:
                    out.health_failures += 1
            except httpx.HTTPError:
                out.health_failures += 1
            stop.wait(0.2)

    watcher = threading.Thread(target=health, daemon=True)
    watcher.start()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(prep.tokens)) as pool:
        for n in range(rounds):
            jobs = [pool.submit(upload, base, prep.tokens[u], prep.files[u][n])
                    for u in prep.tokens]  # fmt: skip
            for job in jobs:
                seconds, error = job.result()
                out.latencies.append(seconds)
                if error:
                    out.failures.append(error)
    out.seconds = time.perf_counter() - start
    stop.set()
    watcher.join(10)
    return out


def cross_check(base: str, prep: Prepared, rounds: int) -> dict[str, Any]:
    """Versions per unit, and the board's total against the CLI roll-up of the current files."""
    import httpx

    from toolkit.store import open_store, original_path, round_status

    with open_store(prep.data_dir) as st:
        board = round_status(st, prep.round_id)
        versions = {u.unit: u.versions for u in board.units}
        current = [original_path(st, u.current) for u in board.units if u.current]
    with httpx.Client(base_url=base, timeout=60) as c:
        page = c.get("/admin/login")
        c.post("/admin/login", data={"csrf": _CSRF.search(page.text).group(1),  # type: ignore[union-attr]
                                     "user": "admin", "password": "bench-password"})  # fmt: skip
        html = c.get(f"/admin/r/{prep.round_id}/").text
    shown = re.search(r'id="total">([^<]+)<', html)
    with tempfile.TemporaryDirectory() as tmp:
        copies = []
        for i, path in enumerate(current):
            copy = Path(tmp) / f"{i:02d}.xlsx"
            copy.write_bytes(path.read_bytes())
            copies.append(str(copy))
        done = subprocess.run([sys.executable, "-m", "toolkit", "rollup", *copies, "--json", "-"],
                              capture_output=True, text=True, check=False)  # fmt: skip
    cli = json.loads(done.stdout)
    board_total = Decimal(shown.group(1).replace(",", "")) if shown else None
    return {
        "versions_ok": all(v == rounds for v in versions.values()),
        "versions": versions,
        "board_total": str(board_total),
        "cli_total": cli["grand_total"],
        "totals_equal": board_total == Decimal(cli["grand_total"]),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    from webserver import Server  # tests/web/webserver.py: `budget-toolkit serve` in a subprocess

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=16)
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=4, help="serve --workers")
    ap.add_argument("--json", dest="json_path", help="Write the figures to this file too.")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        prep = prepare(Path(tmp), args.units, args.rows, args.rounds)
        print(f"prepared {args.units} units x {args.rounds} files x {args.rows} rows "
              f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)  # fmt: skip
        server = Server(prep.data_dir, workers=args.workers).start()
        try:
            out = run_load(server.url, prep, args.rounds)
            check = cross_check(server.url, prep, args.rounds)
        finally:
            server.stop()
    n = len(out.latencies)
    figures = {
        "units": args.units, "rows": args.rows, "rounds": args.rounds, "workers": args.workers,
        "uploads": n, "failures": len(out.failures), "seconds": round(out.seconds, 2),
        "uploads_per_second": round(n / out.seconds, 2),
        "p50_seconds": round(statistics.median(out.latencies), 3),
        "p95_seconds": round(percentile(out.latencies, 0.95), 3),
        "health_checks": out.health_checks, "health_failures": out.health_failures,
        **{k: v for k, v in check.items() if k != "versions"},
    }  # fmt: skip
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    ok = not out.failures and not out.health_failures and check["versions_ok"]
    return 0 if ok and check["totals_equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
