"""Class 5: identity is never guessed (unit, year, amount unit).

Unit: the stamp, C2 and any other 填报单位 on the sheet must agree (unit-conflict), and a
file whose unit is in doubt never replaces another file. Year: stamp vs title
(year-conflict); a batch of several years is not totalled without --year (year-mixed),
with it the others are refused (year-excluded). Amount unit: header, K2 and stamp agree
(amount-unit-conflict); 千元/亿元 are unknown (amount-unit-unknown); a number format that
shows another unit is flagged at its cell (amount-format).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from builders import stamp_for
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    edit,
    found,
    from_template,
    issues,
    items,
    lo_many,
    rules,
    run_cli,
)

from toolkit.catalog import load_catalog


def _stamp(**changes):
    stamp = stamp_for(load_catalog(), year=changes.pop("year", 2027))
    stamp.update(changes)
    return stamp


# -- the unit ------------------------------------------------------------------------------
def test_stamp_unit_against_the_typed_unit_in_the_real_template(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "a.xlsx", items(2), unit="中原区")
    assert check(path).files[0].status == "ok"
    edit(path, lambda ws: ws.__setitem__("C2", "二七区"))
    result = check(path)
    assert ("unit-conflict", "error", "C2") in found(result)
    assert accepted_fen(result) == 0


def test_stamp_unit_against_c2(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", items(2), stamp=_stamp(unit="金水区"))
    result = check(path)
    assert ("unit-conflict", "error", "C2") in found(result)
    assert accepted_fen(result) == 0


@pytest.mark.parametrize("where", ["A10", "O4", "F8", "B6"])  # below, beside, signature, 合计
def test_another_unit_elsewhere_on_the_sheet(tmp_path, where):
    path = build_submission(tmp_path / "a.xlsx", items(2), cells={where: "填报单位：金水区"})
    result = check(path)
    assert ("unit-conflict", "error", "C2") in found(result)
    assert accepted_fen(result) == 0


def test_the_same_unit_stated_twice_is_no_conflict(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", items(2), cells={"A10": "填报单位：中原区"})
    assert "unit-conflict" not in rules(check(path))


def test_another_unit_above_the_header(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", items(2), cells={"E1": "填报单位：金水区"})
    result = check(path)
    assert "unit-conflict" in rules(result), found(result)
    assert accepted_fen(result) == 0


def test_another_unit_as_label_and_value_cells(tmp_path):
    path = build_submission(
        tmp_path / "a.xlsx", items(2), cells={"A10": "填报单位", "B10": "金水区"}
    )
    result = check(path)
    assert "unit-conflict" in rules(result), found(result)


def _times(*paths_and_ns):
    for path, ns in paths_and_ns:
        os.utime(path, ns=(ns, ns))


@pytest.mark.parametrize("doubt", ["stamp", "sheet"])
def test_a_file_whose_unit_is_in_doubt_never_replaces_another(tmp_path, doubt):
    old = build_submission(tmp_path / "old.xlsx", items(2))
    if doubt == "stamp":
        new = build_submission(tmp_path / "new.xlsx", items(3), stamp=_stamp(unit="金水区"))
    else:
        new = build_submission(tmp_path / "new.xlsx", items(3), cells={"A10": "填报单位：金水区"})
    _times((old, 10**18), (new, 2 * 10**18))  # the doubtful file is newer
    result = check([old, new])
    assert "unit-conflict" in rules(result, new)
    assert "superseded-submission" not in rules(result, old)
    assert accepted_fen(result, old) == 300_000
    assert accepted_fen(result, new) == 0


# -- the year -----------------------------------------------------------------------------------
def test_stamp_year_against_the_title(tmp_path):
    path = build_submission(
        tmp_path / "a.xlsx", items(2), cells={"A1": "2026年度政府购买服务预算表"}
    )
    result = check(path)
    assert ("year-conflict", "error", "A1") in found(result)
    assert accepted_fen(result) == 0


def test_stamp_year_against_the_title_in_the_real_template(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "a.xlsx", items(2), year=2027)
    edit(path, lambda ws: ws.__setitem__("A1", "2028年度政府购买服务预算表"))
    assert ("year-conflict", "error", "A1") in found(check(path))


def _two_years(tmp_path):
    a = build_submission(tmp_path / "a2027.xlsx", items(2), year=2027)
    b = build_submission(tmp_path / "b2026.xlsx", items(3), year=2026, unit="金水区")
    return a, b


def test_a_batch_of_two_years_without_year_is_not_totalled(tmp_path):
    a, b = _two_years(tmp_path)
    result = check([a, b])
    assert ("year-mixed", "error", "") in found(result, a)
    assert ("year-mixed", "error", "") in found(result, b)
    assert accepted_fen(result) == 0


def test_a_chosen_year_refuses_the_others(tmp_path):
    a, b = _two_years(tmp_path)
    result = check([a, b], year=2027)
    assert rules(result, a) == set()
    assert ("year-excluded", "error", "") in found(result, b)
    assert accepted_fen(result) == 300_000
    assert accepted_fen(result, b) == 0


def test_a_file_of_unknown_year_beside_others(tmp_path):
    a = build_submission(tmp_path / "a.xlsx", items(2))
    c = build_submission(
        tmp_path / "c.xlsx", items(2), stamp=None, unit="二七区", cells={"A1": "预算表"}
    )
    result = check([a, c])
    assert "year-mixed" in rules(result, a) and "year-mixed" in rules(result, c)
    assert accepted_fen(result) == 0
    chosen = check([a, c], year=2027)
    assert "year-excluded" in rules(chosen, c)
    assert accepted_fen(chosen) == 300_000


def test_cli_check_without_year_exits_1_on_two_years(tmp_path):
    a, b = _two_years(tmp_path)
    assert run_cli("check", a, b).exit_code == 1


def test_cli_year_option(tmp_path):
    a, b = _two_years(tmp_path)
    checked = run_cli("check", a, b, "--year", "2027", "--format", "json")
    assert checked.exit_code == 1  # b is refused with an error
    assert "year-excluded" in checked.output
    rolled = run_cli("rollup", a, b, "--year", "2027", "--json", tmp_path / "r.json")
    assert rolled.exit_code == 1
    clean = run_cli("check", a, "--year", "2027")
    assert clean.exit_code == 0


# -- the amount unit ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "cell"),
    [
        ({"header_labels": {"amount": "预算金额（万元）"}}, "K2"),  # header vs K2
        ({"cells": {"K2": "万元"}}, "K2"),  # K2 vs header and stamp
        ({"stamp": _stamp(amount_unit="万元")}, "K2"),  # the stamp vs the rest
    ],
)
def test_amount_unit_conflict(tmp_path, options, cell):
    result = check(build_submission(tmp_path / "a.xlsx", items(2), **options))
    assert ("amount-unit-conflict", "error", cell) in found(result)
    assert accepted_fen(result) == 0


@pytest.mark.parametrize(
    ("options", "cell"),
    [
        ({"cells": {"K2": "千元"}}, "K2"),
        ({"cells": {"K2": "亿元"}}, "K2"),
        ({"header_labels": {"amount": "预算金额（千元）"}}, "K3"),
        ({"header_labels": {"amount": "预算金额（亿元）"}}, "K3"),
    ],
)
def test_amount_unit_unknown(tmp_path, options, cell):
    result = check(build_submission(tmp_path / "a.xlsx", items(2), **options))
    assert ("amount-unit-unknown", "error", cell) in found(result)
    assert accepted_fen(result) == 0


def test_the_wan_template_is_one_unit_throughout(catalog, tmp_path):
    rows = [dict(items(2)[0], amount=1.5), dict(items(2)[1], amount=0.000001)]
    path = from_template(catalog, tmp_path, "w.xlsx", rows, amount_unit="万元")
    result = check(path)
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == 1_500_000 + 1


FLAGGED_FORMATS = [
    '#,##0.00"万元"',
    "#,##0.00\\万\\元",
    "0.00%",
    "0%",
    "#,##0,",
    "0.00,,",
    '0.00"千"',
    '#,##0.00 "亿"',
]
PLAIN_FORMATS = [
    "General",
    "#,##0.00",
    '#,##0.00"元"',
    "#,##0.00_);(#,##0.00)",
    "#,##0.00;[Red]-#,##0.00",
    "[$¥-804]#,##0.00",
]


@pytest.mark.parametrize("fmt", FLAGGED_FORMATS)
def test_a_format_showing_another_unit_is_flagged_at_its_cell(tmp_path, fmt):
    path = build_submission(tmp_path / "a.xlsx", items(3))
    edit(path, lambda ws: setattr(ws["K5"], "number_format", fmt))
    result = check(path)
    assert ("amount-format", "error", "K5") in found(result)
    assert accepted_fen(result) == 400_000  # the flagged row only is stopped


@pytest.mark.parametrize("fmt", PLAIN_FORMATS)
def test_plain_number_formats_are_not_flagged(tmp_path, fmt):
    path = build_submission(tmp_path / "a.xlsx", items(3))
    edit(path, lambda ws: setattr(ws["K5"], "number_format", fmt))
    result = check(path)
    assert result.files[0].status == "ok", found(result)


def test_a_yuan_format_in_a_wan_template_is_flagged(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "w.xlsx", items(2), amount_unit="万元")
    edit(path, lambda ws: setattr(ws["K5"], "number_format", '#,##0.00"元"'))
    assert ("amount-format", "error", "K5") in found(check(path))


def test_formats_survive_libreoffice(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", items(4))

    def fmt(ws):
        ws["K4"].number_format = '#,##0.00"万元"'
        ws["K5"].number_format = "0.00%"
        ws["K6"].number_format = "#,##0,"

    edit(path, fmt)
    (out,) = lo_many([path], tmp_path / "lo")
    result = check(out)
    assert {c for r, s, c in found(result) if r == "amount-format"} == {"K4", "K5", "K6"}
    assert accepted_fen(result) == 400_000
    assert all(i.severity == "error" for i in issues(result, "amount-format"))


def test_paths_are_reported_as_given(tmp_path):
    """Sanity for the helpers above: file results keep the path that was given."""
    path = build_submission(tmp_path / "a.xlsx", items(1))
    assert Path(check(path).files[0].path) == path
