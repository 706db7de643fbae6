"""The roll-up on the terminal: a rich table of the level-1 and level-2 totals (the CLI
prints it with the report's sentences from ``tables``; nothing here prints)."""

from __future__ import annotations

from typing import Any

from toolkit.money import fen_display
from toolkit.output.tables import AMOUNT
from toolkit.totals.rollup import RollupSummary, Total


def terminal_table(summary: RollupSummary) -> Any:
    """A rich Table of the level-1 and level-2 totals with shares (level 2 indented)."""
    from rich.table import Table as RichTable
    from rich.text import Text

    table = RichTable(title="预算汇总（元）", title_justify="left", show_footer=True)
    rec = summary.reconciliation
    table.add_column("编码", footer="合计")
    table.add_column("名称")
    table.add_column("行数", justify="right", footer=str(rec.rows_accepted))
    table.add_column(AMOUNT, justify="right", footer=fen_display(rec.grand_total_fen))
    share = "100.00%" if rec.grand_total_fen else "0.00%"
    table.add_column("占比", justify="right", footer=share)
    level2: dict[str | None, list[Total]] = {}
    for r2 in summary.totals[2]:
        level2.setdefault(r2.level1, []).append(r2)
    for r1 in summary.totals[1]:
        rows = [(r1, "bold", "")] + [(r2, "", "  ") for r2 in level2.get(r1.code, [])]
        for r, style, indent in rows:
            table.add_row(
                Text(r.code, style=style),
                Text(indent + r.name, style=style),
                Text(str(r.rows), style=style),
                Text(fen_display(r.amount_fen), style=style),
                Text(f"{r.share:.2%}", style=style),
            )
    return table
