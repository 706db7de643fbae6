"""Benchmarks of the round store (issue 12), as whole processes, with ratios within one run.

    python benchmarks/store_bench.py [--files 60] [--rows 500] [--versions 10] [--repeat 3]

1. Import: `budget-toolkit submit` of N files x M rows into a new round, against
   `budget-toolkit check` of the same folder (target: at most 1.2x).
2. A round of the 16 Zhengzhou units with V versions each (the last one approved):
   `budget-toolkit status` and the round's `budget-toolkit rollup --json`, against a plain
   `budget-toolkit rollup --json` of the 16 current files (target: under 1.5x each).

The files are real templates (`toolkit.write_templates`, M input rows) filled by openpyxl
with seeded line items and signed, as a clerk's Excel leaves them; they are cached under
benchmarks/data/store-<key>/. Each command runs `--repeat` times, round-robin, and the
median wall time counts. The store's roll-up is cross-checked against the plain one to
the fen before any time is reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import toolkit
from toolkit import form

REPO = Path(__file__).resolve().parents[1]
YEAR = 2027
SIGNER, PHONE = "张晓燕", "0371-67188888"
GENERATOR_VERSION = "1"
PROVIDERS = ("郑州市夕阳红社会工作服务中心", "河南康宁养老服务有限公司", "中原社会工作发展研究院")


# -- data ----------------------------------------------------------------------------------
def _rows(rng: random.Random, leaves: list[str], n: int) -> list[dict[str, Any]]:
    return [
        {
            form.COL_PROJECT: f"政府购买服务项目{rng.randrange(10**6):06d}",
            form.COL_CODE: rng.choice(leaves),
            form.COL_CONTENT: rng.choice(("上门助餐、助洁服务", "社会工作专业服务", "绩效评价")),
            form.COL_PROVIDER: rng.choice(
                ("郑州市夕阳红社会工作服务中心", "河南康宁养老服务有限公司")
            ),
            form.COL_PROVIDER_TYPE: rng.choice(form.PROVIDER_TYPES),
            form.COL_METHOD: rng.choice(form.PURCHASE_METHODS),
            form.COL_FUNDING: rng.choice(form.FUNDING_SOURCES),
            form.COL_AMOUNT: rng.randrange(100, 5 * 10**8) / 100,
            form.COL_TARGET: "服务对象满意度不低于90%",
        }
        for _ in range(n)
    ]


def fill(template: Path, path: Path, rows: list[dict[str, Any]], signed: bool) -> None:
    """Fill a template's input rows by header label and (if ``signed``) 填报人/联系电话."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb[form.SHEET_ENTRY]
    header = {str(c.value).split("（")[0]: c.column for c in ws[3] if c.value}
    for r, item in enumerate(rows, start=4):
        for label, value in item.items():
            ws.cell(r, header[label], value)
    if signed:
        wanted = {"填报人": SIGNER, "联系电话": PHONE}
        for row in ws.iter_rows(min_row=ws.max_row - 6, max_row=ws.max_row):
            for cell in row:
                label = str(cell.value or "").strip().rstrip(":：")
                if label in wanted:
                    ws.cell(cell.row, cell.column + 1, wanted[label])
    wb.save(path)


@dataclass
class Data:
    root: Path
    imports: Path  # N files, one unit each
    units: Path  # the N units, one a line
    versions: list[list[Path]]  # per Zhengzhou unit: its V files, oldest first

    @property
    def current(self) -> Path:
        return self.root / "current"


def prepare(files: int, rows: int, versions: int, log: Callable[[str], None]) -> Data:
    key = f"store-{GENERATOR_VERSION}-{files}x{rows}-v{versions}"
    root = REPO / "benchmarks" / "data" / key
    done = root / "done.json"
    names = [f"基准单位{i:03d}" for i in range(1, files + 1)]
    data = Data(root, root / "import", root / "units.txt",
                [[root / "versions" / f"{u}_v{k}.xlsx" for k in range(1, versions + 1)]
                 for u in form.ZHENGZHOU_UNITS])  # fmt: skip
    if done.is_file():
        return data
    shutil.rmtree(root, ignore_errors=True)
    for folder in (data.imports, root / "versions", data.current, root / "templates"):
        folder.mkdir(parents=True)
    cat = toolkit.load_catalog()
    leaves = [e.code for e in cat.leaves]
    rng = random.Random(20261202)
    data.units.write_text("\n".join(names) + "\n", encoding="utf-8")
    began = time.monotonic()
    for tpl in toolkit.write_templates(cat, root / "templates", names, year=YEAR, rows=rows):
        fill(tpl, data.imports / tpl.name, _rows(rng, leaves, rows), signed=True)
    log(f"  {files} import files in {time.monotonic() - began:.0f} s")
    tpls = toolkit.write_templates(cat, root / "templates16", form.ZHENGZHOU_UNITS, year=YEAR,
                                   rows=rows)  # fmt: skip
    for tpl, paths in zip(tpls, data.versions, strict=True):
        for k, path in enumerate(paths, start=1):
            fill(tpl, path, _rows(rng, leaves, rows), signed=k == len(paths))
        shutil.copy(paths[-1], data.current / paths[-1].name)
    log(f"  {16 * versions} version files in {time.monotonic() - began:.0f} s")
    done.write_text(json.dumps({"files": files, "rows": rows, "versions": versions}))
    return data


# -- timing --------------------------------------------------------------------------------
def bt() -> list[str]:
    exe = Path(sys.executable).parent / "budget-toolkit"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "toolkit"]


@dataclass
class Command:
    key: str
    text: str
    argv: list[str] | Callable[[], list[str]]
    setup: Callable[[], None] | None = None
    ok_codes: tuple[int, ...] = (0,)
    times: list[float] = field(default_factory=list)

    def run(self) -> None:
        if self.setup is not None:
            self.setup()
        argv = self.argv() if callable(self.argv) else self.argv
        began = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.times.append(time.perf_counter() - began)
        if proc.returncode not in self.ok_codes:
            raise SystemExit(f"{self.key} failed ({proc.returncode}): {proc.stderr[-2000:]}")

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _round(data_dir: Path, units: Path | None) -> str:
    shutil.rmtree(data_dir, ignore_errors=True)
    from toolkit.store import create_round, open_store

    names = form.load_units(units) if units else None
    with open_store(data_dir, create=True) as st:
        return create_round(st, YEAR, units=names, actor="bench").id


def build_round16(data: Data, work: Path) -> tuple[Path, str]:
    """A round of the 16 units, every version received in order, the last ones approved."""
    from toolkit.store import approve, open_store, receive_files

    data_dir = work / "round16"
    round_id = _round(data_dir, None)
    order = [paths[k] for k in range(len(data.versions[0])) for paths in data.versions]
    with open_store(data_dir) as st:
        got = receive_files(st, round_id, order, actor="bench")
        assert all(r.outcome == "new" for r in got), [r.message for r in got if r.message]
        for unit in form.ZHENGZHOU_UNITS:
            approve(st, round_id, unit, actor="bench")
    return data_dir, round_id


def cross_check(data: Data, work: Path, data_dir: Path, round_id: str) -> None:
    """The store's roll-up of the round equals the plain roll-up of the current files."""
    mine, plain = work / "store.json", work / "plain.json"
    store = [*bt(), "rollup", "--data", str(data_dir), "--round", round_id, "--json", str(mine)]
    for argv in (store, [*bt(), "rollup", str(data.current), "--json", str(plain)]):
        subprocess.run(argv, check=True, capture_output=True)
    a, b = (json.loads(p.read_text(encoding="utf-8")) for p in (mine, plain))
    for key in ("rows", "amounts", "totals", "by_unit", "grand_total"):
        if a[key] != b[key]:
            raise SystemExit(f"store roll-up differs from plain roll-up in {key}")


def machine() -> dict[str, Any]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo", encoding="utf-8")
                if ln.startswith("model name")), "")  # fmt: skip
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "commit": commit}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=60)
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--versions", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"data: {args.files} files x {args.rows} rows; 16 units x {args.versions} versions")
    data = prepare(args.files, args.rows, args.versions, print)
    work = Path(tempfile.mkdtemp(prefix="store-bench-"))
    imp = work / "import"
    holder: dict[str, str] = {}

    def fresh_round() -> None:
        holder["round"] = _round(imp, data.units)

    data16, round16 = build_round16(data, work)
    cross_check(data, work, data16, round16)
    commands = [
        Command("check", f"check of the {args.files} files", [*bt(), "check", str(data.imports),
                "--units", str(data.units), "--format", "json"]),
        Command("submit", f"submit of the {args.files} files into a new round",
                lambda: [*bt(), "submit", "--data", str(imp), "--round", holder["round"],
                         str(data.imports), "--format", "json"], setup=fresh_round),
        Command("plain16", "rollup --json of the 16 current files",
                [*bt(), "rollup", str(data.current), "--json", str(work / "p.json")]),
        Command("status16", f"status of the 16 x {args.versions} round",
                [*bt(), "status", "--data", str(data16), "--round", round16, "--format", "json"]),
        Command("rollup16", f"rollup --json of the 16 x {args.versions} round",
                [*bt(), "rollup", "--data", str(data16), "--round", round16, "--json",
                 str(work / "r.json")]),
    ]  # fmt: skip
    for i in range(args.repeat):
        for cmd in commands:
            cmd.run()
        print(f"  round {i + 1}: " + ", ".join(f"{c.key} {c.times[-1]:.2f} s" for c in commands))
    by = {c.key: c for c in commands}
    ratios = [
        ("submit / check", by["submit"].median / by["check"].median, 1.2),
        ("status / plain rollup", by["status16"].median / by["plain16"].median, 1.5),
        ("round rollup / plain rollup", by["rollup16"].median / by["plain16"].median, 1.5),
    ]
    print("\n| command | median s | runs |\n|---|---:|---|")
    for c in commands:
        print(f"| {c.text} | {c.median:.2f} | {', '.join(f'{t:.2f}' for t in c.times)} |")
    print("\n| ratio | measured | target | met |\n|---|---:|---:|---|")
    for text, value, limit in ratios:
        met = "yes" if value <= limit else "no"
        print(f"| {text} | {value:.2f}x | {'≤' if limit == 1.2 else '<'} {limit}x | {met} |")
    result = {"machine": machine(), "args": vars(args),
              "times": {c.key: c.times for c in commands},
              "ratios": {t: v for t, v, _ in ratios}}  # fmt: skip
    out = REPO / "benchmarks" / "results" / f"store-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nmachine: {result['machine']}\nresults: {out}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
