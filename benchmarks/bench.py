"""Whole-process benchmark of the toolkit against naive and bare baselines (issues 6, 11).

    python benchmarks/bench.py          # 300 x 500 rows, 200k rows, 100k-row faulty file, 5 runs
    python benchmarks/bench.py --files 3 --rows 20 --big-rows 60 --faulty-rows 60 \\
        --faults 10 --template-units 1 --repeat 1 --warmup 0   # the smoke test's size

The submissions are the toolkit's real per-unit templates filled by label and re-saved
through LibreOffice (``datagen.py``). Every command runs as its own process, ``--repeat``
times, round-robin (one run of each command, then the next round, each round starting
one command later), so drift in the machine's state spreads over all commands instead of
landing on one. Wall time is measured around the process; peak memory is the command's
own high-water RSS from GNU ``time -f %M`` (for a process pool: the largest single
process). Targets are ratios within one run, never absolute times. Results go to
``benchmarks/results/latest.json`` and stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import datagen  # noqa: E402

PYTHON = sys.executable
BASELINES = str(HERE / "baselines.py")


@dataclass
class Command:
    name: str
    what: str
    argv: list[str]
    ok_codes: tuple[int, ...] = (0,)
    reset: Path | None = None  # output folder emptied before each run (not timed)
    needs: str | None = None  # toolkit sub-command that must exist
    times: list[float] = field(default_factory=list)
    peaks_kb: list[int] = field(default_factory=list)
    stdout: Path | None = None
    skipped: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def peak_mb(self) -> float | None:
        return max(self.peaks_kb) / 1024 if self.peaks_kb else None


@dataclass(frozen=True)
class Target:
    """``subject`` must take at most ``limit`` times ``baseline`` (or ``limit`` MB of memory)."""

    key: str
    text: str
    subject: str
    baseline: str | None  # None: a memory limit in MB
    limit: float


TARGETS = (
    # issue 11
    Target(
        "check-j1-vs-read",
        "check --jobs 1 ≤ 2.0× bare calamine read (one process each)",
        "check_dir_j1",
        "read_dir",
        2.0,
    ),
    Target("check-vs-read", "check --jobs auto ≤ 1.2× bare read", "check_dir", "read_dir", 1.2),
    Target(
        "rollup-vs-read",
        "rollup --json --jobs auto ≤ 1.2× bare read",
        "rollup_json",
        "read_dir",
        1.2,
    ),
    Target(
        "check-vs-naive", "check ≥ 20× faster than naive pandas", "check_dir", "naive_dir", 0.05
    ),
    Target(
        "rollup-vs-naive", "rollup --json ≥ 20× faster than naive", "rollup_json", "naive_dir", 0.05
    ),
    Target("big-vs-read", "big check ≤ 1.5× bare read of it", "check_big", "read_big", 1.5),
    Target("big-memory", "big check peak memory ≤ 300 MB", "check_big", None, 300.0),
    Target(
        "report-vs-readwrite",
        "rollup -o xlsx ≤ 1.2× bare read + xlsxwriter",
        "rollup_xlsx",
        "readwrite_dir",
        1.2,
    ),
    Target(
        "annotate-vs-check",
        "check --annotate (faulty file) ≤ 3× its check",
        "annotate_faulty",
        "check_faulty",
        3.0,
    ),
    Target(
        "annotate-memory", "check --annotate peak memory ≤ 600 MB", "annotate_faulty", None, 600.0
    ),
    # issue 6
    Target(
        "template-vs-bare", "templates ≤ 1.3× bare xlsxwriter", "template", "template_bare", 1.3
    ),
)


def toolkit_argv() -> list[str]:
    exe = Path(PYTHON).parent / "budget-toolkit"
    return [str(exe)] if exe.exists() else [PYTHON, "-m", "toolkit"]


def build_commands(ds: datagen.Dataset, out: Path, extra: list[str]) -> list[Command]:
    bt = toolkit_argv()
    subs, big, units = str(ds.submissions), str(ds.big), str(ds.units)
    tpl_out, bare_out = out / "templates", out / "templates_bare"
    tpl_args = ["--year", str(datagen.YEAR), "--units", str(ds.template_units), "-o", str(tpl_out)]
    faulty: list[Command] = []
    if ds.faulty is not None:
        bad, notes = str(ds.faulty), out / "annotated"
        check_bad = [*bt, "check", bad, "--format", "json", "--units", units, *extra]
        faulty = [
            Command(
                "check_faulty",
                "budget-toolkit check faulty.xlsx --format json",
                check_bad,
                (0, 1),
                needs="check",
            ),
            Command(
                "annotate_faulty",
                "budget-toolkit check faulty.xlsx --format json --annotate DIR",
                [*check_bad, "--annotate", str(notes)],
                (0, 1),
                reset=notes,
                needs="check",
            ),
        ]
    return [
        Command(
            "check_dir",
            "budget-toolkit check DIR --format json",
            [*bt, "check", subs, "--format", "json", "--units", units, *extra],
            (0, 1),
            needs="check",
        ),
        Command(
            "check_dir_j1",
            "budget-toolkit check DIR --format json --jobs 1 (one process)",
            [*bt, "check", subs, "--format", "json", "--units", units, *extra, "--jobs", "1"],
            (0, 1),
            needs="check",
        ),
        Command(
            "rollup_json",
            "budget-toolkit rollup DIR --json OUT",
            [*bt, "rollup", subs, "--json", str(out / "rollup.json"), "--units", units, *extra],
            (0, 1),
            needs="rollup",
        ),
        Command(
            "rollup_xlsx",
            "budget-toolkit rollup DIR -o report.xlsx",
            [*bt, "rollup", subs, "-o", str(out / "report.xlsx"), "--units", units, *extra],
            (0, 1),
            needs="rollup",
        ),
        Command(
            "check_big",
            "budget-toolkit check big.xlsx",
            [*bt, "check", big, "--units", units, *extra],
            (0, 1),
            needs="check",
        ),
        *faulty,
        Command(
            "template",
            "budget-toolkit template --units FILE -o DIR",
            [*bt, "template", *tpl_args],
            reset=tpl_out,
            needs="template",
        ),
        Command(
            "naive_dir",
            "naive: pandas.read_excel(openpyxl) per file + codes + groupby",
            [PYTHON, BASELINES, "naive", subs],
        ),
        Command(
            "read_dir",
            "bare python-calamine to_python() per file",
            [PYTHON, BASELINES, "read", subs],
        ),
        Command(
            "read_big", "bare python-calamine read of big.xlsx", [PYTHON, BASELINES, "read", big]
        ),
        Command(
            "readwrite_dir",
            "bare read + xlsxwriter writing the detail rows",
            [PYTHON, BASELINES, "readwrite", subs, str(out / "bare_report.xlsx")],
        ),
        Command(
            "template_bare",
            "bare xlsxwriter writing the templates' cells",
            [PYTHON, BASELINES, "template", str(ds.layout), str(ds.template_units), str(bare_out)],
            reset=bare_out,
        ),
        Command("help", "budget-toolkit --help (start-up)", [*bt, "--help"]),
        Command("python", "python -c pass (interpreter start-up)", [PYTHON, "-c", "pass"]),
    ]


TIME = shutil.which("time", path="/usr/bin:/bin")


def run_once(cmd: Command, logs: Path) -> tuple[float, int, int]:
    """One whole-process run: wall seconds, peak RSS (KiB), exit code.

    The peak comes from ``/usr/bin/time -f %M`` (GNU time: ``wait4`` on the command, so
    the command's own high-water mark). Without it, ``os.wait4`` on the child is used;
    that figure includes this script's own size, because Linux carries the parent's
    high-water mark across fork/exec.
    """
    if cmd.reset is not None:
        shutil.rmtree(cmd.reset, ignore_errors=True)
    cmd.stdout = logs / f"{cmd.name}.out"
    peak_file = logs / f"{cmd.name}.peak"
    argv = [TIME, "-f", "%M", "-o", str(peak_file), *cmd.argv] if TIME else cmd.argv
    with open(cmd.stdout, "wb") as out, open(logs / f"{cmd.name}.err", "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in cmd.ok_codes:
        tail = (logs / f"{cmd.name}.err").read_text(encoding="utf-8", errors="replace")[-2000:]
        raise RuntimeError(f"{cmd.name} exited {code}: {shlex.join(cmd.argv)}\n{tail}")
    peak = usage.ru_maxrss
    if TIME:
        lines = peak_file.read_text(encoding="utf-8").split()
        peak = int(lines[-1])
    return elapsed, peak, code


def available(sub: str) -> bool:
    proc = subprocess.run([*toolkit_argv(), sub, "--help"], capture_output=True)
    return proc.returncode == 0


def _fen(amount: str) -> int:
    return int(Decimal(amount) * 100)


def cross_check(cmds: dict[str, Command], ds: datagen.Dataset, out: Path) -> list[str]:
    """Did every command do the same work? Compare what each reports with what was written."""
    exp, notes = ds.expected, []

    def note(ok: bool, text: str) -> None:
        notes.append(("ok    " if ok else "DIFFER ") + text)

    def stdout_json(name: str) -> Any:
        c = cmds.get(name)
        if c is None or c.skipped or c.stdout is None:
            return None
        return json.loads(c.stdout.read_text(encoding="utf-8"))

    naive = stdout_json("naive_dir")
    if naive is not None:
        note(
            naive["accepted_fen"] == exp["accepted_fen"],
            f"naive accepted fen {naive['accepted_fen']} vs written {exp['accepted_fen']}",
        )
    rw = stdout_json("readwrite_dir")
    if rw is not None:
        note(rw["rows"] == exp["rows"], f"bare read+write rows {rw['rows']} vs {exp['rows']}")
    check = stdout_json("check_dir")
    if check is not None:
        rows = sum(f.get("rows") or 0 for f in check["files"])
        note(
            len(check["files"]) == exp["files"] and rows == exp["rows"],
            f"check: {len(check['files'])} files, {rows} rows vs {exp['files']}, {exp['rows']}",
        )
    report = out / "rollup.json"
    if "rollup_json" in cmds and not cmds["rollup_json"].skipped and report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        got = _fen(data["grand_total"])
        note(
            got == exp["accepted_fen"] and data["rows"]["read"] == exp["rows"],
            f"rollup grand total {got} fen, {data['rows']['read']} rows read vs written "
            f"{exp['accepted_fen']} fen accepted of {exp['rows']} rows",
        )
    faulty = stdout_json("check_faulty")
    if faulty is not None and "faulty" in exp:
        want = exp["faulty"]["faults"]
        f = faulty["files"][0]
        got: dict[str, int] = {}
        for issue in f.get("issues") or []:
            if issue["rule"] in want:
                got[issue["rule"]] = got.get(issue["rule"], 0) + 1
        note(
            got == want and f.get("rows") == exp["faulty"]["rows"],
            f"check faulty: {f.get('rows')} rows, issues {got} vs seeded {want}",
        )
    notes_dir = out / "annotated"
    if "annotate_faulty" in cmds and not cmds["annotate_faulty"].skipped:
        made = sorted(notes_dir.glob("*.xlsx")) if notes_dir.is_dir() else []
        note(len(made) == 1, f"annotate: {len(made)} annotated copy written (1 expected)")
    return notes


def git_state() -> str:
    """The commit measured, and whether the working tree differed from it.

    ``BENCH_CODE`` overrides it: e.g. the commit of a frozen copy of ``toolkit/`` put first
    on ``PYTHONPATH`` while someone else edits the working tree."""
    if os.environ.get("BENCH_CODE"):
        return os.environ["BENCH_CODE"]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "toolkit"],
            cwd=HERE,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' (toolkit/ modified)' if dirty else ''}" if head else "unknown"


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with open("/proc/meminfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def evaluate(cmds: dict[str, Command]) -> list[dict[str, Any]]:
    rows = []
    for t in TARGETS:
        subject = cmds.get(t.subject)
        base = cmds.get(t.baseline) if t.baseline else None
        value: float | None = None
        if subject is not None and subject.times:
            if t.baseline is None:
                value = subject.peak_mb
            elif base is not None and base.median:
                value = subject.median / base.median  # type: ignore[operator]
        rows.append(
            {
                "key": t.key,
                "target": t.text,
                "subject": t.subject,
                "baseline": t.baseline,
                "value": value,
                "limit": t.limit,
                "unit": "MB" if t.baseline is None else "ratio",
                "met": None if value is None else value <= t.limit,
            }
        )
    return rows


def markdown(cmds: list[Command], targets: list[dict[str, Any]], repeat: int) -> str:
    lines = [
        f"| command | what | median s ({repeat} runs) | min–max s | peak MB |",
        "|---|---|---:|---:|---:|",
    ]
    for c in cmds:
        if c.skipped:
            lines.append(f"| `{c.name}` | {c.what} | n/a | {c.skipped} | |")
            continue
        lines.append(
            f"| `{c.name}` | {c.what} | {c.median:.2f} | {min(c.times):.2f}–{max(c.times):.2f} "
            f"| {c.peak_mb:.0f} |"
        )
    lines += ["", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for t in targets:
        if t["value"] is None:
            lines.append(f"| {t['target']} | n/a | {t['limit']} | not measured |")
            continue
        if t["unit"] == "MB":
            shown, limit = f"{t['value']:.0f} MB", f"{t['limit']:.0f} MB"
        else:
            shown = f"{t['value']:.2f}× (`{t['subject']}` / `{t['baseline']}`)"
            limit = f"{t['limit']:.2f}×"
        lines.append(f"| {t['target']} | {shown} | {limit} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--files", type=int, default=300, help="workbooks in the folder (300)")
    p.add_argument("--rows", type=int, default=500, help="rows per workbook (500)")
    p.add_argument("--big-rows", type=int, default=200_000, help="rows of the big workbook")
    p.add_argument(
        "--template-units", type=int, default=300, help="synthetic units beside the 16 Zhengzhou"
    )
    p.add_argument(
        "--faulty-rows", type=int, default=100_000, help="rows of the faulty workbook (0: none)"
    )
    p.add_argument("--faults", type=int, default=1000, help="seeded faults in it (1000)")
    p.add_argument(
        "--no-libreoffice",
        action="store_true",
        help="do not re-save the files through LibreOffice (formulas without cached values)",
    )
    p.add_argument("--gen-jobs", type=int, default=2, help="processes generating the data (2)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs of each command (5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed rounds first (1)")
    p.add_argument("--seed", type=int, default=2027)
    p.add_argument("--data-dir", type=Path, default=HERE / "data")
    p.add_argument("--results", type=Path, default=HERE / "results" / "latest.json")
    p.add_argument("--only", default="", help="comma-separated command names to run (default: all)")
    p.add_argument(
        "--toolkit-args",
        default="",
        help="extra arguments for check/rollup, e.g. '--jobs 2' (shell-quoted)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None, log: Callable[[str], None] = print) -> int:
    args = parse_args(argv)
    started = datetime.now(UTC)
    ds = datagen.prepare(
        args.data_dir,
        args.files,
        args.rows,
        args.big_rows,
        args.template_units,
        args.seed,
        log,
        faulty_rows=args.faulty_rows,
        faults=args.faults,
        libreoffice=not args.no_libreoffice,
        jobs=args.gen_jobs,
    )
    data_ready = datetime.now(UTC)
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    logs = work / "logs"
    logs.mkdir()
    try:
        cmds = build_commands(ds, work, shlex.split(args.toolkit_args))
        if args.only:
            wanted = set(args.only.split(","))
            cmds = [c for c in cmds if c.name in wanted]
        for c in cmds:
            if c.needs and not available(c.needs):
                c.skipped = f"`budget-toolkit {c.needs}` not available"
        live = [c for c in cmds if not c.skipped]
        for _ in range(args.warmup):
            for c in live:
                run_once(c, logs)
        checks = cross_check({c.name: c for c in cmds}, ds, work) if args.warmup else []
        for rnd in range(args.repeat):
            k = rnd % len(live) if live else 0
            for c in live[k:] + live[:k]:
                elapsed, peak, _ = run_once(c, logs)
                c.times.append(elapsed)
                c.peaks_kb.append(peak)
            log(f"round {rnd + 1}/{args.repeat} done")
        if not args.warmup:
            checks = cross_check({c.name: c for c in cmds}, ds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load_after = os.getloadavg()
    targets = evaluate({c.name: c for c in cmds})
    table = markdown(cmds, targets, args.repeat)
    command = shlex.join(
        ["python", "benchmarks/bench.py", *(argv if argv is not None else sys.argv[1:])]
    )
    log("")
    log(
        f"{args.files} files × {args.rows} rows, big file {args.big_rows} rows, "
        f"faulty file {args.faulty_rows} rows / {args.faults} faults, "
        f"{len(datagen.unit_names(args.template_units)) + 16} templates; {args.repeat} runs each"
    )
    log(table)
    log("")
    for line in checks:
        log(f"cross-check: {line}")
    log(
        f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}; code {git_state()}"
    )
    result = {
        "date": started.isoformat(timespec="seconds"),
        "timing_started": data_ready.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine(),
        "code": git_state(),
        "toolkit": str(Path(datagen.toolkit.__file__).parent),
        "load_average": {"before": load_before, "after": load_after},
        "params": ds.params,
        "data": str(ds.root),
        "commands": {
            c.name: {
                "what": c.what,
                "argv": c.argv,
                "times": c.times,
                "median": c.median,
                "peak_mb": c.peak_mb,
                "skipped": c.skipped,
            }
            for c in cmds
        },
        "targets": targets,
        "cross_check": checks,
        "table": table,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    log(f"results: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
