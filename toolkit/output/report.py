"""The roll-up as CSV files and JSON, and ``write_outputs`` for all three formats.

CSV and JSON get exact two-place decimal strings formatted from the integer fen; text
that came from a submission is written as inert text (the OWASP prefix in CSV), so a
project name such as ``=HYPERLINK(...)`` is shown, never run. The workbook is
``toolkit.output.report_xlsx`` (imported only when one is written: xlsxwriter is the
heaviest import of a roll-up). All three are drawn from one ``RollupSummary`` so they
cannot disagree.
"""

from __future__ import annotations

import csv
import io
import json
import numbers
from pathlib import Path
from typing import Any

from toolkit.money import fen_text, yuan_text
from toolkit.output.render import files_json
from toolkit.output.tables import Fen, Share, Yuan, plain_text, tables, yes_no
from toolkit.safety import atomic_write, csv_safe
from toolkit.totals.rollup import RollupSummary


# -- CSV ----------------------------------------------------------------------------------
def _csv_cell(value: Any) -> Any:
    if isinstance(value, Fen):
        return fen_text(value.fen)
    if isinstance(value, Yuan):
        return yuan_text(value.value)
    if isinstance(value, Share):
        return f"{value.value:.2%}"
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    return csv_safe(plain_text(value))


def write_csv(summary: RollupSummary, directory: str | Path) -> list[Path]:
    """One CSV per table in ``directory``: UTF-8 with a BOM (Excel reads the Chinese), CRLF.

    Amounts are exact two-place decimals; text from submissions is OWASP-safe.
    """
    out = Path(directory)
    written = []
    for table in tables(summary):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(table.headers)
        writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
        target = out / f"{table.name}.csv"
        with atomic_write(target) as tmp:
            tmp.write_text(buf.getvalue(), encoding="utf-8-sig")
        written.append(target)
    return written


# -- JSON ---------------------------------------------------------------------------------
def report_json(summary: RollupSummary) -> dict[str, Any]:
    """The fixed JSON shape of the issue; every amount a two-place decimal string."""
    cat = summary.catalog
    rec = summary.reconciliation

    def amounts(level: int) -> dict[str, str]:
        return {r.code: fen_text(r.amount_fen) for r in summary.totals[level]}

    by_unit: dict[str, dict[str, str]] = {}
    for level in (1, 2):
        for r in summary.unit_totals[level]:
            by_unit.setdefault(str(r.unit), {})[r.code] = fen_text(r.amount_fen)
    return {
        "catalog": {"id": cat.id, "version": cat.version, "sha256": cat.sha256},
        "files": files_json(summary.result),
        "rows": {
            "read": rec.rows_read,
            "accepted": rec.rows_accepted,
            "rejected": rec.rows_rejected,
        },
        "amounts": {
            "read": yuan_text(rec.read),
            "accepted": fen_text(rec.fen_accepted),
            "rejected": yuan_text(rec.rejected_gross),
            "rejected_positive": yuan_text(rec.rejected_positive),
            "rejected_negative": yuan_text(rec.rejected_negative),
        },
        "totals": {
            "level1": amounts(1),
            "level2": amounts(2),
            "level3": amounts(3),
        },
        "by_unit": by_unit,
        "grand_total": fen_text(rec.grand_total_fen),
    }


def json_text(summary: RollupSummary) -> str:
    return json.dumps(report_json(summary), ensure_ascii=False, indent=2) + "\n"


def write_json(summary: RollupSummary, path: str | Path) -> Path:
    target = Path(path)
    text = json_text(summary)
    with atomic_write(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def write_outputs(
    summary: RollupSummary, report: Path | None, json_path: Path | None, csv_dir: Path | None
) -> list[Path]:
    """Write the report workbook, JSON and CSV that were asked for; return what was written."""
    written = []
    if report is not None:
        from toolkit.output.report_xlsx import write_report

        written.append(write_report(summary, report))
    if json_path is not None:
        written.append(write_json(summary, json_path))
    if csv_dir is not None:
        written += write_csv(summary, csv_dir)
    return written
