"""The baselines the toolkit is measured against, each run as its own process.

    python benchmarks/baselines.py naive DIR            pandas.read_excel(openpyxl) per file
    python benchmarks/baselines.py read PATH            bare python-calamine read
    python benchmarks/baselines.py readwrite PATH OUT   bare read + xlsxwriter detail rows
    python benchmarks/baselines.py template LAYOUT UNITS OUTDIR
                                                       bare xlsxwriter, the template's cells

Each prints one JSON line (counts and sums) so the benchmark can check that the
baselines did the same work as the toolkit. Imports are kept to what each one needs,
as a user's own script would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from toolkit import form  # noqa: E402  (tiny module: labels only)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$"))


def _header(values: list[Any]) -> bool:
    return form.COL_CODE in values and form.COL_PROJECT in values


def naive(path: Path) -> dict[str, Any]:
    """What an analyst writes first: pandas per file, codes against the catalogue, groupby."""
    import pandas as pd

    from toolkit.catalog import load_catalog

    catalog = load_catalog()
    leaves = {e.code for e in catalog.leaves}
    frames = []
    for p in _files(path):
        raw = pd.read_excel(p, sheet_name=form.SHEET_ENTRY, engine="openpyxl", header=None)
        header = next(i for i, row in enumerate(raw.itertuples(index=False)) if _header(list(row)))
        labels = [str(v).strip() for v in raw.iloc[header]]
        body = raw.iloc[header + 1 :]
        body.columns = [
            form.COL_AMOUNT if label.startswith(form.COL_AMOUNT) else label for label in labels
        ]
        is_total = body.apply(lambda r: (r.astype(str).str.strip() == form.TOTAL_LABEL).any(), 1)
        if is_total.any():
            body = body.loc[: is_total.idxmax() - 1]
        body = body.dropna(how="all", subset=[form.COL_PROJECT, form.COL_CODE, form.COL_AMOUNT])
        frames.append(
            pd.DataFrame(
                {
                    "file": str(p),
                    "code": body[form.COL_CODE].astype(str).str.strip().str.split().str[0],
                    "amount": pd.to_numeric(body[form.COL_AMOUNT], errors="coerce"),
                }
            )
        )
    rows = pd.concat(frames, ignore_index=True)
    rows["fen"] = (rows["amount"] * 100).round().astype("Int64")
    ok = rows["code"].isin(leaves) & rows["fen"].notna() & (rows["fen"] >= 0)
    accepted = rows[ok].copy()
    accepted["level1"] = accepted["code"].str[:4]
    accepted["level2"] = accepted["code"].str[:6]
    level1 = accepted.groupby("level1")["fen"].sum()
    level2 = accepted.groupby("level2")["fen"].sum()
    return {
        "files": len(frames),
        "rows": len(rows),
        "accepted_rows": int(ok.sum()),
        "accepted_fen": int(accepted["fen"].sum()),
        "level1": {k: int(v) for k, v in level1.items()},
        "level2": len(level2),
    }


def _read_entry(p: Path) -> list[list[Any]]:
    from python_calamine import load_workbook

    return load_workbook(p).get_sheet_by_name(form.SHEET_ENTRY).to_python()


def read(path: Path) -> dict[str, Any]:
    """The floor: python-calamine's to_python() of each file's entry sheet, nothing else."""
    files = _files(path)
    cells = 0
    for p in files:
        cells += sum(len(r) for r in _read_entry(p))
    return {"files": len(files), "cells": cells}


def _detail(p: Path) -> list[tuple[int, list[Any]]]:
    """Rows between the header and 合计 (1-based row numbers), as read."""
    grid = _read_entry(p)
    header = next(i for i, row in enumerate(grid) if _header(row))
    out = []
    for i in range(header + 1, len(grid)):
        row = grid[i]
        if any(isinstance(v, str) and v.strip() == form.TOTAL_LABEL for v in row):
            break
        if any(v not in ("", None) for v in row):
            out.append((i + 1, row))
    return out


def readwrite(path: Path, out: Path) -> dict[str, Any]:
    """The floor for a report: the bare read plus xlsxwriter writing every detail row."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out))
    ws = wb.add_worksheet("明细")
    money = wb.add_format({"num_format": "#,##0.00"})
    ws.write_row(0, 0, ["文件", "工作表", "行", *form.HEADER_LABELS])
    amount_col = 3 + form.HEADER_LABELS.index(form.amount_header())
    n = 0
    for p in _files(path):
        for row_no, row in _detail(p):
            n += 1
            ws.write_row(n, 0, [p.name, form.SHEET_ENTRY, row_no])
            for j, v in enumerate(row[: len(form.HEADER_LABELS)]):
                if isinstance(v, float | int) and not isinstance(v, bool):
                    ws.write_number(n, 3 + j, v, money if 3 + j == amount_col else None)
                elif v not in ("", None):
                    ws.write_string(n, 3 + j, str(v))
    wb.close()
    return {"rows": n}


def template(layout_json: Path, units_file: Path, outdir: Path) -> dict[str, Any]:
    """The floor for templates: xlsxwriter writing the same cells, nothing else."""
    from datagen import Layout, write_cells_copy

    layout = Layout.from_json(layout_json.read_text(encoding="utf-8"))
    units = [u for u in units_file.read_text(encoding="utf-8").splitlines() if u.strip()]
    outdir.mkdir(parents=True, exist_ok=True)
    for unit in units:
        write_cells_copy(outdir / f"{unit}.xlsx", layout, unit)
    return {"files": len(units)}


def main(argv: list[str]) -> int:
    cmd, *args = argv
    paths = [Path(a) for a in args]
    if cmd == "naive":
        result = naive(*paths)
    elif cmd == "read":
        result = read(*paths)
    elif cmd == "readwrite":
        result = readwrite(*paths)
    elif cmd == "template":
        result = template(*paths)
    else:
        print(f"unknown baseline {cmd!r}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
