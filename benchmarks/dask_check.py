"""Past one machine: the per-file check mapped over a file list with Dask.

    python benchmarks/dask_check.py DIR [--units FILE] [--workers 2]
    python benchmarks/dask_check.py DIR --scheduler tcp://host:8786

``toolkit.rules.engine.check_file`` is a pure function of (path, catalogue, options), so the
batch is ``client.map`` over the paths. Each task returns a compact summary (status,
unit, year, issue counts and integer-fen sums per level-1 / level-2 code) instead of
rows of Python objects, so what crosses the network is a few hundred bytes per file.
The one cross-file rule (two files for one unit and year) runs on the driver over the
compact results with the toolkit's own ``toolkit.rules.batch.resolve_duplicates``; the
reduce then adds the integer-fen sums of the files that count, which is exact in any order.

Without ``--scheduler`` a ``LocalCluster`` (``--workers`` processes, one thread each)
stands in for a real cluster. Prints one JSON object with the timings and totals.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from typing import Any

_CATALOG: dict[str, Any] = {}


def check_one(path: str, units: list[str] | None) -> dict[str, Any]:
    """Runs on a worker: check one file, keep only what the totals and the report need."""
    from toolkit.catalog import load_catalog
    from toolkit.rules.engine import check_file
    from toolkit.rules.options import CheckOptions
    from toolkit.rules.registry import REGISTRY
    from toolkit.rules.result import ROW_COLUMNS

    catalog = _CATALOG.get("catalog")
    if catalog is None:  # once per worker process
        catalog = _CATALOG["catalog"] = load_catalog()
    options = CheckOptions.make(units=units)
    result, rows = check_file(path, catalog, options)
    accepted = ROW_COLUMNS.index("accepted")
    fen = ROW_COLUMNS.index("amount_fen")
    l1, l2 = ROW_COLUMNS.index("level1"), ROW_COLUMNS.index("level2")
    level1: Counter[str] = Counter()
    level2: Counter[str] = Counter()
    accepted_rows = 0
    for row in rows:
        if row[accepted]:
            accepted_rows += 1
            level1[row[l1]] += row[fen]
            if row[l2]:
                level2[row[l2]] += row[fen]
    return {
        "path": result.path,
        "status": result.status,
        "unit": result.unit,
        "year": result.year,
        "generated_at": result.generated_at,
        "mtime_ns": result.mtime_ns,
        # the file-rejecting errors (few), so the duplicate rule sees what the batch sees
        "rejecting": [
            i for i in result.issues if i.is_error and REGISTRY[i.rule].rejects == "file"
        ],
        "errors": result.errors,
        "warnings": result.warnings,
        "rows": result.rows_read,
        "fen": result.amount_read_fen,
        "accepted_rows": accepted_rows,
        "level1": dict(level1),
        "level2": dict(level2),
    }


def reduce_totals(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Integer-fen sums of the files that count: exact, in any order."""
    level1: Counter[str] = Counter()
    level2: Counter[str] = Counter()
    for p in parts:
        if p["counts"]:
            level1.update(p["level1"])
            level2.update(p["level2"])
    return {
        "grand_total_fen": sum(level1.values()),
        "level1": dict(sorted(level1.items())),
        "level2": dict(sorted(level2.items())),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--units", help="unit list file (default: the built-in Zhengzhou list)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", help="address of a running dask scheduler")
    args = ap.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    from toolkit.form import load_units
    from toolkit.rules.batch import find_files

    files = [str(p) for p in find_files(args.paths)]
    units = list(load_units(args.units)) if args.units else None

    t0 = time.perf_counter()
    if args.scheduler:
        cluster = None
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    t1 = time.perf_counter()
    # warm the workers (imports, catalogue) so the timed part is the batch itself
    client.run(lambda: __import__("toolkit.rules.engine"))
    t2 = time.perf_counter()
    futures = client.map(check_one, files, units=units, pure=False)
    parts = client.gather(futures)
    t3 = time.perf_counter()
    mark_superseded(parts)
    totals = reduce_totals(parts)
    t4 = time.perf_counter()
    client.close()
    if cluster is not None:
        cluster.close()
    report = {
        "files": len(files),
        "workers": args.workers if cluster is not None else args.scheduler,
        "cluster_start_s": round(t1 - t0, 2),
        "warm_s": round(t2 - t1, 2),
        "map_s": round(t3 - t2, 2),
        "reduce_s": round(t4 - t3, 3),
        "rows": sum(p["rows"] for p in parts),
        "accepted_rows": sum(p["accepted_rows"] for p in parts if p["counts"]),
        "errors": sum(p["errors"] for p in parts),
        "superseded": sum(1 for p in parts if not p["counts"]),
        **totals,
    }
    print(json.dumps(report, ensure_ascii=False))
    return 0


def mark_superseded(parts: list[dict[str, Any]]) -> None:
    """The toolkit's own cross-file rule (one unit, one year, two files) on compact results."""
    from toolkit.rules.batch import counts, resolve_duplicates
    from toolkit.rules.result import FileResult

    shells = [
        (
            FileResult(
                path=p["path"],
                status=p["status"],
                unit=p["unit"],
                year=p["year"],
                generated_at=p["generated_at"],
                issues=list(p["rejecting"]),
                mtime_ns=p["mtime_ns"],
            ),
            [],
        )
        for p in parts
    ]
    resolve_duplicates(shells)
    for p, (fr, _) in zip(parts, shells, strict=True):
        p["counts"] = fr.counts and counts(fr)


if __name__ == "__main__":
    sys.exit(main())
