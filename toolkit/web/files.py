"""The files the portal serves: templates, originals, annotated copies, zips, reports.

Whatever opens a workbook (annotating, rolling up) runs in the worker pool; the web
process only copies bytes it already has, named by hash, into downloads.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from starlette.background import BackgroundTask

from toolkit.store.models import Submission
from toolkit.web.downloads import XLSX, attachment, attachment_bytes, content_disposition
from toolkit.web.portal import Portal
from toolkit.web.worker import annotate_original, round_report

__all__ = ["XLSX", "attachment", "attachment_bytes", "content_disposition"]
_SAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _publish(tmp: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)
    return target


def unit_template(p: Portal, round_id: str, unit: str) -> tuple[Path, str]:
    """The round's stamped template for ``unit`` (made once, then kept)."""
    from toolkit.store.rounds import write_round_templates

    folder = p.cache / "templates" / round_id
    made = sorted(folder.glob(f"{_SAFE.sub('_', unit)}--*.xlsx")) if folder.is_dir() else []
    if made:
        path = made[0]
        return path, path.name.split("--", 1)[1]
    with tempfile.TemporaryDirectory(dir=p.scratch) as tmp:
        (written,) = write_round_templates(p.store, round_id, tmp, units=[unit],
                                           actor=f"{unit}（网上报送）")  # fmt: skip
        target = folder / f"{_SAFE.sub('_', unit)}--{written.name}"
        _publish(written, target)
    return target, written.name


def original(p: Portal, sub: Submission) -> Path:
    from toolkit.store.records import original_path

    return original_path(p.store, sub)


def annotated_name(sub: Submission) -> str:
    return f"{sub.unit}_第{sub.version}版_标注.xlsx"


async def annotated(p: Portal, sub: Submission) -> Path | None:
    """The annotated copy of a version (made in a worker once, then kept); None when the
    version has no issues or could not be read."""
    if sub.errors + sub.warnings == 0 or sub.check_status == "unreadable":
        return None
    target = p.cache / "annotated" / sub.round_id / f"{sub.sha256}.xlsx"  # per round's rules
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    source = original(p, sub)
    ctx = p.context(sub.round_id)
    fd, name = tempfile.mkstemp(suffix=".xlsx", dir=target.parent)
    os.close(fd)
    try:
        done = await p.workers.run(annotate_original, ctx, str(source), name)
        if done is None:
            return None
        return _publish(Path(name), target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _cleanup(path: Path) -> BackgroundTask:
    return BackgroundTask(shutil.rmtree, path, ignore_errors=True)


async def report(
    p: Portal, round_id: str, kind: str, include_submitted: bool
) -> tuple[Path, list[str], BackgroundTask]:
    """The round's report as the CLI's ``rollup --round`` writes it: (file, problems,
    cleanup). ``kind``: ``xlsx``, ``json`` or ``csv`` (a zip of the CSV folder)."""
    tmp = Path(tempfile.mkdtemp(dir=p.scratch))
    target = tmp / ("csv" if kind == "csv" else f"report.{kind}")
    problems = await p.workers.run(round_report, str(p.data_dir), p.database, round_id, kind,
                                   str(target), include_submitted)  # fmt: skip
    if kind == "csv" and not problems:
        zipped = tmp / "report-csv.zip"
        with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(target.iterdir()):
                zf.write(f, f.name)
        target = zipped
    return target, problems, _cleanup(tmp)


def zip_versions(p: Portal, entries: list[tuple[str, Path]]) -> tuple[Path, BackgroundTask]:
    """A zip of (name in the zip, file on disk) pairs, in a scratch folder."""
    tmp = Path(tempfile.mkdtemp(dir=p.scratch))
    target = tmp / "files.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, path in entries:
            zf.write(path, arcname)
    return target, _cleanup(tmp)
