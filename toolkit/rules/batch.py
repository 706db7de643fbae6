"""The batch: files and folders in, ``CheckResult`` out, and the rules across files.

Two files for one unit and year are decided by evidence, in this order, and the message
states which evidence decided: the files you named (``prefer``); the same content
(either counts: they are one submission); the newer template (the stamp's generation
time); the newer file (its modification time, in nanoseconds). Only files whose rows
could count take part, so an unreadable file, another catalogue's template or a file
whose unit is in doubt never pushes a valid file out. Equal evidence is ambiguous: an
error on every file involved, naming them and how to resolve it, and none counts.

A batch holds one budget year: files of several years (or of an unknown year beside
others) are not totalled together; ``year=`` chooses one, and the others are refused.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.issues import Issue
from toolkit.rules.engine import check_file
from toolkit.rules.options import CheckOptions
from toolkit.rules.registry import ERROR, REGISTRY, WARNING, define
from toolkit.rules.result import CheckResult, FileResult, Rows
from toolkit.text import squash
from toolkit.xlsx.container import OTHER_SPREADSHEET_SUFFIXES

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog

DUPLICATE_SUBMISSION = define(
    "duplicate-submission", WARNING, scope="batch",
    title="同一单位同一年度有多个文件",
    message="{detail}",
    meaning="Two or more files for the same unit and year: which one counts, and the "
    "evidence that decided it; reported on every file involved.",
    where="the file",
)  # fmt: skip
SUPERSEDED_SUBMISSION = define(
    "superseded-submission", ERROR, scope="batch", rejects="file",
    title="已被较新文件取代",
    message="本文件已被同一单位同一年度的较新文件取代（{detail}），其数据不计入汇总",
    meaning="This file is an older submission for the same unit and year; its rows do not count.",
    where="the file",
)  # fmt: skip
DUPLICATE_AMBIGUOUS = define(
    "duplicate-ambiguous", ERROR, scope="batch", rejects="file",
    title="无法判断以哪个文件为准",
    message="{unit}{year}有 {count} 个文件（{files}）"
    "，{why}，无法判断以哪个为准：请删除不用的文件，"
    "或用 --prefer 指定要采用的文件",
    meaning="Two or more valid files for one unit and year with equal evidence: none counts "
    "until one is chosen (never settled by directory order).",
    where="the file",
)  # fmt: skip
YEAR_MIXED = define(
    "year-mixed", ERROR, scope="batch", rejects="file",
    title="多个预算年度",
    message="本批文件属于不同的预算年度（{years}），不能合在一起汇总：请用 --year 指定要汇总的年度",
    meaning="The batch holds files of several budget years, or of an unknown year beside "
    "others: not totalled together unless one year is chosen.",
    where="the file",
)  # fmt: skip
YEAR_EXCLUDED = define(
    "year-excluded", ERROR, scope="batch", rejects="file",
    title="不是所选年度",
    message="本文件{found}，不是本次汇总的 {year} 年度，其数据不计入",
    meaning="With a chosen year, a file of another (or an unknown) year is refused.",
    where="the file",
)  # fmt: skip


def find_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files to check: given files as they are, folders searched recursively.

    In folders, ``.xlsx`` and every other spreadsheet format are taken (the latter to
    be reported, never skipped); Office lock files ``~$*.xlsx`` are ignored.
    Raises ``FileNotFoundError`` for a path that does not exist.
    """
    wanted = {".xlsx", *OTHER_SPREADSHEET_SUFFIXES}
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise FileNotFoundError(2, "文件或文件夹不存在", str(p))
        if p.is_dir():
            candidates = sorted(
                (q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in wanted), key=str
            )
        else:
            candidates = [p]
        for q in candidates:
            if q.name.startswith("~$"):
                continue
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                found.append(q)
    return found


_WORKER: dict[str, Any] = {}


def _worker_init(catalog_doc: dict[str, Any], source: str) -> None:  # pragma: no cover
    from toolkit.catalog import Catalog

    _WORKER["catalog"] = Catalog.from_dict(catalog_doc, source=source)


def _worker_check(  # pragma: no cover
    path: Path, options: CheckOptions, prepare: Prepare | None
) -> Any:
    done = check_file(path, _WORKER["catalog"], options)
    if prepare is not None:
        prepare(*done)
    return done


AUTO_JOBS_MIN_FILES = 8  # with fewer files each, one process is as fast (benchmarks/)


def auto_jobs(files: int) -> int:
    """Worker processes for ``jobs=None``: one per usable CPU, as long as each gets
    ``AUTO_JOBS_MIN_FILES`` files; 1 (no pool) for small batches."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, files // AUTO_JOBS_MIN_FILES))


Results = list[tuple[FileResult, Rows]]
# Work a caller wants done on each file's rows where it was checked (in the worker
# process), e.g. the totals' per-file sums, kept in ``Rows.memo``; a module-level function.
Prepare = Callable[[FileResult, Rows], None]


def check(
    paths: str | Path | Iterable[str | Path],
    catalog: Catalog | str | Path | None = None,
    *,
    progress: Callable[[int, int, Path], None] | None = None,
    prepare: Prepare | None = None,
    **options: Any,
) -> CheckResult:
    """Check workbooks (files or folders) against a catalogue -> ``CheckResult``.

    Options: ``units`` (names, or a unit-list file; default Zhengzhou's),
    ``stamp_mismatch`` ("error" | "warning"), ``max_amount`` (元 per line, default 10亿),
    ``max_text``, ``limits`` (``toolkit.Limits``), ``jobs`` (processes; ``None``: one per
    CPU when each gets several files), ``year`` (the budget year to total), ``prefer``
    (files that count when a unit sent several).
    ``progress(done, total, path)``, if given, is called after each file (a progress bar).
    ``prepare(file_result, rows)``, if given, runs on each file in the worker process that
    checked it (not at all without a pool): work that later stages would otherwise do in
    this process after the pool, such as ``toolkit.totals.sums.prepare``.
    """
    from toolkit.catalog import Catalog, load_catalog

    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    opts = CheckOptions.make(**options)
    files = find_files([paths] if isinstance(paths, str | Path) else paths)
    results = _check_all(files, cat, opts, progress, prepare)
    resolve_duplicates(results, opts.prefer)
    resolve_years(results, opts.year)
    return CheckResult(
        catalog=cat,
        files=[r for r, _ in results],
        parts=[rows for _, rows in results],
    )


def check_one(path: str | Path, catalog: Catalog, **options: Any) -> tuple[FileResult, Rows]:
    """One workbook checked exactly as ``check([path])`` checks it (the same options and
    batch rules), returned as its ``FileResult`` and ``Rows`` (``ROW_COLUMNS``), without the
    DataFrame: for callers that keep one file's result at a time (the round store)."""
    opts = CheckOptions.make(**options)
    results = [check_file(Path(path), catalog, opts)]
    resolve_duplicates(results, opts.prefer)
    resolve_years(results, opts.year)
    return results[0]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the workers' results arrive: unpickling
    them makes tens of thousands of containers (the rows' sums) that form no cycles, and
    each collection would walk every result received so far. On again after the pool,
    with nothing lost: a collection then finds any cycle made meanwhile."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _check_all(
    files: Sequence[Path], cat: Catalog, opts: CheckOptions, progress: Any, prepare: Any = None
) -> Results:
    jobs = auto_jobs(len(files)) if opts.jobs is None else opts.jobs
    results: Results = []
    if jobs > 1 and len(files) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with (
            _collector_paused(),
            ProcessPoolExecutor(
                max_workers=jobs, initializer=_worker_init, initargs=(cat.to_dict(), cat.source)
            ) as pool,
        ):
            n = len(files)
            done = pool.map(_worker_check, files, [opts] * n, [prepare] * n, chunksize=4)
            for f, res in zip(files, done, strict=True):
                results.append(res)
                if progress is not None:
                    progress(len(results), len(files), f)
        return results
    for f in files:
        results.append(check_file(f, cat, opts))
        if progress is not None:
            progress(len(results), len(files), f)
    return results


# -- rules across files ---------------------------------------------------------------------------
def counts(fr: FileResult) -> bool:
    """Whether a file's rows could count: read, and no error that rejects the file."""
    return fr.status != "unreadable" and not any(
        i.is_error and REGISTRY[i.rule].rejects == "file" for i in fr.issues
    )


def reject(entry: tuple[FileResult, Rows], issue: Issue) -> None:
    """Add a file-rejecting error to a file and to the reasons of each of its rows."""
    fr, rows = entry
    fr.issues.append(issue)
    fr.status = "errors" if fr.status != "unreadable" else fr.status
    fr.counts = False
    rows.reject(issue.rule)


def _generated(fr: FileResult) -> datetime | None:
    try:
        when = datetime.fromisoformat(fr.generated_at or "")
    except ValueError:
        return None
    return when.replace(tzinfo=None) - (when.utcoffset() or timedelta(0))


def _decide(members: list[FileResult], prefer: Sequence[str]) -> tuple[FileResult | None, str]:
    """(the file that counts, the evidence, in words), or (None, why it is ambiguous)."""
    chosen = [fr for fr in members if str(Path(fr.path).resolve()) in prefer]
    if len(chosen) == 1:
        return chosen[0], "按 --prefer 指定"
    if len(chosen) > 1:
        return None, "--prefer 指定了其中多个文件"
    if len({fr.content_hash for fr in members}) == 1 and members[0].content_hash:
        return sorted(members, key=lambda fr: fr.path)[0], "各文件内容完全相同，按一份计入"
    stamps = [_generated(fr) for fr in members]
    if all(s is not None for s in stamps):
        ranked = sorted(zip(stamps, members, strict=True), key=lambda t: t[0], reverse=True)  # type: ignore[arg-type,return-value]
        if ranked[0][0] != ranked[1][0]:
            return ranked[0][1], f"模板生成时间较新（{ranked[0][1].generated_at}）"
    ranked_m = sorted(members, key=lambda fr: fr.mtime_ns, reverse=True)
    if ranked_m[0].mtime_ns and ranked_m[0].mtime_ns != ranked_m[1].mtime_ns:
        when = datetime.fromtimestamp(ranked_m[0].mtime_ns / 1e9).isoformat(
            sep=" ", timespec="microseconds"
        )
        return ranked_m[0], f"文件修改时间较新（{when}）"
    return None, "模板生成时间和文件修改时间都相同" if all(stamps) else "文件修改时间相同"


def resolve_duplicates(results: Results, prefer: Sequence[str] = ()) -> None:
    """Two or more files for one unit and year: decided by evidence (module docstring)."""
    groups: dict[tuple[str, int | None], list[int]] = {}
    for i, (fr, _) in enumerate(results):
        if fr.status != "unreadable" and fr.unit:
            groups.setdefault((squash(fr.unit), fr.year), []).append(i)
    for (unit, year), members in groups.items():
        if len(members) < 2:
            continue
        valid = [i for i in members if counts(results[i][0])]
        year_text = f"{year}年度" if year else ""
        names = "、".join(results[i][0].path for i in members)
        if len(valid) < 2:
            winner = results[valid[0]][0].path if valid else None
            detail = f"{unit}{year_text}共有 {len(members)} 个文件（{names}），" + (
                f"只有 {winner} 可以计入，其余文件有错误" if winner else "都有错误，均不计入"
            )
            for i in members:
                results[i][0].issues.append(
                    DUPLICATE_SUBMISSION.issue(file=results[i][0].path, value=unit, detail=detail)
                )
            continue
        frs = [results[i][0] for i in valid]
        winner_fr, why = _decide(frs, prefer)
        if winner_fr is None:
            files = "、".join(fr.path for fr in frs)
            for i in valid:
                reject(results[i], DUPLICATE_AMBIGUOUS.issue(
                    file=results[i][0].path, value=unit, unit=unit, year=year_text,
                    count=len(valid), files=files, why=why,
                ))  # fmt: skip
            continue
        detail = (
            f"{unit}{year_text}共有 {len(members)} 个文件（{names}），"
            f"以 {winner_fr.path} 为准（{why}）"
        )
        for i in members:
            fr = results[i][0]
            fr.issues.append(DUPLICATE_SUBMISSION.issue(file=fr.path, value=unit, detail=detail))
            if i in valid and fr is not winner_fr:
                reject(results[i], SUPERSEDED_SUBMISSION.issue(
                    file=fr.path, value=unit, detail=f"以 {winner_fr.path} 为准：{why}"
                ))  # fmt: skip


def resolve_years(results: Results, year: int | None) -> None:
    """One budget year per batch (module docstring)."""
    judged = [
        k for k, (fr, _) in enumerate(results) if fr.status != "unreadable" and _has_table(fr)
    ]
    if year is not None:
        for k in judged:
            fr = results[k][0]
            if fr.year != year:
                found = f"是 {fr.year} 年度" if fr.year else "的预算年度无法确定"
                reject(
                    results[k],
                    YEAR_EXCLUDED.issue(
                        file=fr.path, value=str(fr.year or ""), found=found, year=year
                    ),
                )
        return
    years: dict[int | None, int] = {}
    for k in judged:
        years[results[k][0].year] = years.get(results[k][0].year, 0) + 1
    if len(years) < 2:
        return
    shown = "、".join(
        f"{y} 年 {n} 个" if y else f"年度不明 {n} 个"
        for y, n in sorted(years.items(), key=lambda t: (t[0] is None, t[0] or 0))
    )
    for k in judged:
        fr = results[k][0]
        reject(results[k], YEAR_MIXED.issue(file=fr.path, value=str(fr.year or ""), years=shown))


def _has_table(fr: FileResult) -> bool:
    return not any(i.rule == "not-a-template" for i in fr.issues)
