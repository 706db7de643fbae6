"""Where a check's time goes: the toolkit's stages timed inside one process, beside the bare read.

    python benchmarks/stages.py DIR_OR_FILE [--units FILE] [--report OUT.xlsx] [--annotate DIR]

Runs ``toolkit.check(paths, jobs=1)`` once with the stages wrapped in timers (the
package opened and its container scanned, each sheet's XML parsed, the table located,
the rest of the reader, the file rules, the frame, the cell rules, the 合计 check, the
row tuples, and the batch around them: duplicates and years), then the bare
python-calamine read of the same files in the same process, and optionally
``summarize`` + ``write_report`` and ``annotate``. Prints one JSON object: seconds per
stage, and this process's peak RSS after each step (``ru_maxrss``, MB). The wrappers cost
a little; the shares are what matter. A diagnostic for the README, not a timed target.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

T0 = time.perf_counter()
SPENT: dict[str, float] = defaultdict(float)
PEAKS: dict[str, float] = {}


def peak(step: str) -> None:
    PEAKS[step] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - t

    return wrapper


def instrument() -> None:
    from toolkit.read import submission
    from toolkit.rules import batch, engine
    from toolkit.xlsx import package

    package.Package.__init__ = timed("read: open package, scan container", package.Package.__init__)
    package.Package.sheet = timed("read: parse sheet XML", package.Package.sheet)
    submission.locate_table = timed("read: locate table", submission.locate_table)
    engine.read_submission = timed("read: all", engine.read_submission)
    engine.build_frame = timed("judge: build frame (values, codes, amounts)", engine.build_frame)
    engine.judge_cells = timed("judge: cell rules", engine.judge_cells)
    engine.judge_total = timed("judge: 合计 check", engine.judge_total)
    engine.row_tuples = timed("judge: row tuples", engine.row_tuples)
    engine.judge = timed("judge: all", engine.judge)
    batch.check_file = timed("check_file: all", batch.check_file)


def bare_read(files: list[Path]) -> float:
    from python_calamine import load_workbook

    from toolkit import form

    t = time.perf_counter()
    for p in files:
        load_workbook(p).get_sheet_by_name(form.SHEET_ENTRY).to_python()
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("path", type=Path)
    ap.add_argument("--units")
    ap.add_argument("--report", type=Path, help="also summarize + write_report to this file")
    ap.add_argument("--annotate", type=Path, help="also annotate into this folder")
    args = ap.parse_args(argv)

    import toolkit
    from toolkit import form
    from toolkit.rules import batch

    toolkit.check  # noqa: B018  (resolve the lazy API before timing the imports)
    instrument()
    catalog = toolkit.load_catalog()
    imports = time.perf_counter() - T0
    peak("imports + catalogue")
    files = batch.find_files([args.path])
    t = time.perf_counter()
    result = toolkit.check(files, catalog, units=args.units, jobs=1)
    check_s = time.perf_counter() - t
    peak("check")
    out: dict[str, Any] = {"files": len(files), "imports_and_catalog_s": round(imports, 3)}
    out["check_s"] = round(check_s, 3)
    stages = {k: round(v, 3) for k, v in sorted(SPENT.items())}
    read_all = SPENT["read: all"]
    stages["read: other (stamp, strings, styles, header, hash)"] = round(
        read_all
        - SPENT["read: open package, scan container"]
        - SPENT["read: parse sheet XML"]
        - SPENT["read: locate table"],
        3,
    )
    judged = SPENT["judge: all"] - sum(
        SPENT[k]
        for k in (
            "judge: build frame (values, codes, amounts)",
            "judge: cell rules",
            "judge: 合计 check",
            "judge: row tuples",
        )
    )
    stages["judge: file rules and the rest"] = round(judged, 3)
    # the rows' DataFrame is not built by check: it is made when first asked for
    stages["batch: duplicates, years"] = round(check_s - SPENT["check_file: all"], 3)
    out["stages_s"] = stages
    out["bare_read_s"] = round(bare_read(files), 3)
    peak("bare read")
    if args.report:
        t = time.perf_counter()
        summary = toolkit.summarize(result, units=form.load_units(args.units))
        out["summarize_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        toolkit.write_report(summary, args.report)
        out["write_report_s"] = round(time.perf_counter() - t, 3)
        peak("report")
    if args.annotate:
        from toolkit.output.annotate import annotate

        t = time.perf_counter()
        annotate(result, args.annotate)
        out["annotate_s"] = round(time.perf_counter() - t, 3)
        peak("annotate")
    out["peak_rss_mb_after"] = PEAKS
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
