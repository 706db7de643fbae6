"""The reconciliation: read = accepted + rejected, and every level of the catalogue adds up
to the one above it; a row whose codes disagree with the catalogue breaks a balance."""

from __future__ import annotations

import pytest
from totals_helpers import make_result, make_row, random_rows

from toolkit.catalog import Catalog
from toolkit.money import fen_to_yuan
from toolkit.totals.reconcile import reconcile


@pytest.mark.parametrize("seed", [7, 8])
def test_reconciliation_balances_on_random_batches(catalog: Catalog, seed: int) -> None:
    rows = random_rows(catalog, seed, 120)
    for row in rows[::5]:
        row.update(
            accepted=False,
            reasons="amount-negative",
            amount_fen=-row["amount_fen"],
            amount_read=-row["amount_read"],
        )
    rec = reconcile(make_result(catalog, rows))
    assert rec.ok, [c for c in rec.checks if not c.ok]
    assert {c.name for c in rec.checks} == {
        "rows",
        "amounts",
        "leaves-in-catalog",
        "leaves-to-level2",
        "level2-to-level1",
        "level1-to-total",
    }
    assert rec.rows_read == rec.rows_accepted + rec.rows_rejected == 120
    assert rec.read == fen_to_yuan(rec.fen_accepted) + rec.rejected_positive + rec.rejected_negative
    assert rec.read == fen_to_yuan(sum(r["amount_fen"] for r in rows))


def test_reconciliation_catches_a_row_whose_level2_disagrees_with_its_leaf(
    catalog: Catalog,
) -> None:
    rows = [
        make_row(catalog, "a.xlsx", "中原区", "033A0101", 100),
        make_row(catalog, "a.xlsx", "中原区", "033A0201", 200, level2="033A01"),
    ]
    rec = reconcile(make_result(catalog, rows))
    failed = {c.name: c for c in rec.checks if not c.ok}
    assert set(failed) == {"leaves-to-level2"}
    assert any(f.startswith("033A01:") for f in failed["leaves-to-level2"].failures)
    assert not rec.ok


def test_reconciliation_catches_an_accepted_code_outside_the_catalogue(catalog: Catalog) -> None:
    rows = [
        make_row(catalog, "a.xlsx", "中原区", "033A0101", 100),
        make_row(catalog, "a.xlsx", "中原区", "033A0199", 200, level1="033A", level2="033A01"),
    ]
    rec = reconcile(make_result(catalog, rows))
    failed = {c.name for c in rec.checks if not c.ok}
    assert failed == {"leaves-in-catalog", "leaves-to-level2"}


def test_reconciliation_catches_a_level1_code_outside_the_catalogue(catalog: Catalog) -> None:
    rows = [make_row(catalog, "a.xlsx", "中原区", "033A0101", 100, level1="033X")]
    failed = {c.name for c in reconcile(make_result(catalog, rows)).checks if not c.ok}
    assert failed == {"level2-to-level1", "level1-to-total"}
