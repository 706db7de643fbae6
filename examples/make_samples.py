"""Regenerate the committed examples: sample submissions, the flawed one, and their report.

    python examples/make_samples.py            # same seed -> the same files, byte for byte
    python examples/make_samples.py --seed 7   # another batch

It calls the same library code as ``budget-toolkit demo``: a template per Zhengzhou unit
(``toolkit.write_templates``), filled with a seeded sample budget, plus one workbook full
of typical mistakes; then ``toolkit.check``, ``toolkit.summarize`` and the report writers.
Paths in the report are relative to this folder, so the committed report does not name
the machine it was made on.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from toolkit import check, load_catalog, make_samples, summarize, write_json, write_report
from toolkit.demo import DEMO_SEED

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed")
    args = parser.parse_args()
    catalog = load_catalog()
    os.chdir(HERE)
    submissions = Path("submissions")
    for old in submissions.glob("*.xlsx"):
        old.unlink()
    with tempfile.TemporaryDirectory() as templates:
        samples = make_samples(submissions, catalog, seed=args.seed, templates_dir=templates)
    result = check(submissions, catalog)  # the folder, as finance would run it
    summary = summarize(result)
    write_report(summary, "report.xlsx")
    write_json(summary, "report.json")
    rec = summary.reconciliation
    print(
        f"{len(samples.all)} 个文件 -> {HERE / submissions}；计入 {rec.rows_accepted} 行，"
        f"剔除 {rec.rows_rejected} 行；报表 -> {HERE / 'report.xlsx'}、{HERE / 'report.json'}"
    )


if __name__ == "__main__":
    main()
