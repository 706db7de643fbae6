"""Realistic workbooks for a round: the round's own template, filled and signed by openpyxl.

``RoundFiles(store, round_id, folder).make(name, unit, rows, signed=True)`` writes the
round's stamped template for ``unit`` once (``toolkit.store.write_round_templates``,
i.e. ``toolkit.write_templates`` with the round id), then fills it by label the way
``tests/builders.py`` does and types 填报人 and 联系电话 into the signature block, as a
clerk in Excel would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from builders import fill_template, line

from toolkit import form

SIGNER, PHONE = "张晓燕", "0371-67188888"


def sign(path: Path, signer: str | None = SIGNER, phone: str | None = PHONE) -> Path:
    """Type 填报人 and 联系电话 into the cells right of their labels, and save."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb[form.SHEET_ENTRY]
    wanted = {"填报人": signer, "联系电话": phone}
    for row in ws.iter_rows(min_row=ws.max_row - 10, max_row=ws.max_row):
        for cell in row:
            if isinstance(cell.value, str):
                label = cell.value.strip().rstrip(":：")
                if label in wanted and wanted[label] is not None:
                    ws.cell(cell.row, cell.column + 1, wanted[label])
    wb.save(path)
    return path


class RoundFiles:
    """Filled workbooks made from one round's templates, in ``folder``."""

    def __init__(self, store: Any, round_id: str, folder: Path) -> None:
        self.store, self.round_id, self.folder = store, round_id, folder
        self.templates: dict[str, Path] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def template(self, unit: str) -> Path:
        if unit not in self.templates:
            from toolkit.store import write_round_templates

            (path,) = write_round_templates(self.store, self.round_id, self.folder / "templates",
                                            units=[unit], actor="tests")  # fmt: skip
            self.templates[unit] = path
        return self.templates[unit]

    def make(
        self,
        name: str,
        unit: str,
        rows: Sequence[Mapping[str, Any] | None],
        *,
        signed: bool = True,
        write_unit: str | None = None,
    ) -> Path:
        """A filled copy of ``unit``'s template; ``write_unit`` types another name in C2."""
        path = fill_template(self.template(unit), self.folder / name, rows, unit=write_unit)
        return sign(path) if signed else path


def clean_rows(n: int = 3, base: int = 100_000, salt: str = "") -> list[dict[str, Any]]:
    """``n`` valid, distinct line items whose amounts are known to the fen."""
    leaves = ["033A0101", "033A0102", "033B0101", "033C0101", "033A0201"]
    return [
        line(project=f"项目{salt}{i}", code=leaves[i % len(leaves)], amount=base + i * 1001.25)
        for i in range(n)
    ]
