"""Class 9: resubmissions are decided by evidence.

A newer file that is unreadable, not our template or stamped for another catalogue never
pushes a valid file out; equal evidence is duplicate-ambiguous on every file involved
(never settled by directory order); --prefer settles it; identical content counts once;
times are compared exactly.
"""

from __future__ import annotations

import os

from builders import stamp_for
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    found,
    issues,
    item,
    items,
    rules,
    run_cli,
)

from toolkit.catalog import load_catalog

T0 = 1_800_000_000 * 10**9  # a modification time, in ns


def _at(path, ns):
    os.utime(path, ns=(ns, ns))
    return path


def _valid(tmp_path, name, n=2, **kw):
    return build_submission(tmp_path / name, items(n), **kw)


def _other(tmp_path, name, n=3, **kw):
    """A valid file for the same unit with other content."""
    return build_submission(tmp_path / name, [item(i + 10) for i in range(n)], **kw)


def test_a_newer_unreadable_file_never_pushes_a_valid_one_out(tmp_path):
    old = _at(_valid(tmp_path, "old.xlsx"), T0)
    new = tmp_path / "new.xlsx"
    new.write_bytes(b"PK\x03\x04 not really a workbook")
    _at(new, T0 + 10**9)
    result = check([old, new])
    assert rules(result, old) <= {"duplicate-submission"}
    assert accepted_fen(result, old) == 300_000


def test_a_newer_file_that_is_not_our_template_never_pushes_a_valid_one_out(tmp_path):
    old = _at(_valid(tmp_path, "old.xlsx"), T0)
    new = build_submission(
        tmp_path / "new.xlsx",
        items(3),
        header_labels={"code": "编号", "amount": "钱", "project": "名字", "seq": "x"},
    )
    _at(new, T0 + 10**9)
    result = check([old, new])
    assert "not-a-template" in rules(result, new)
    assert "superseded-submission" not in rules(result, old)
    assert accepted_fen(result) == 300_000


def test_a_newer_file_for_another_catalogue_never_pushes_a_valid_one_out(tmp_path):
    stamp = stamp_for(load_catalog())
    stamp.update(catalog_version="2019", catalog_sha256="0" * 64, generated_at="2027-01-01")
    old = _at(_valid(tmp_path, "old.xlsx"), T0)
    new = _at(_other(tmp_path, "new.xlsx", stamp=stamp), T0 + 10**9)
    result = check([old, new])
    assert "stamp-mismatch" in rules(result, new)
    assert "superseded-submission" not in rules(result, old)
    assert accepted_fen(result) == 300_000


def test_equal_evidence_is_ambiguous_on_both_and_nothing_counts(tmp_path):
    a = _at(_valid(tmp_path, "a.xlsx"), T0)
    b = _at(_other(tmp_path, "b.xlsx"), T0)
    result = check([a, b])
    for path in (a, b):
        (amb,) = issues(result, "duplicate-ambiguous", path)
        assert amb.severity == "error"
        assert str(a) in amb.message and str(b) in amb.message  # both files named
    assert accepted_fen(result) == 0
    assert run_cli("check", a, b).exit_code == 1


def test_ambiguity_is_never_settled_by_the_order_of_the_inputs(tmp_path):
    a = _at(_valid(tmp_path, "a.xlsx"), T0)
    b = _at(_other(tmp_path, "b.xlsx"), T0)
    one, two = check([a, b]), check([b, a])
    assert found(one, a) == found(two, a) and found(one, b) == found(two, b)
    assert accepted_fen(one) == accepted_fen(two) == 0


def test_prefer_settles_it(tmp_path):
    a = _at(_valid(tmp_path, "a.xlsx"), T0)
    b = _at(_other(tmp_path, "b.xlsx"), T0)
    result = check([a, b], prefer=[a])
    assert "superseded-submission" in rules(result, b)
    assert accepted_fen(result, a) == 300_000 and accepted_fen(result, b) == 0
    # preferring the older of two files also beats the newer one
    _at(b, T0 + 10**9)
    result = check([a, b], prefer=[a])
    assert accepted_fen(result) == 300_000


def test_prefer_never_makes_a_file_with_errors_count(tmp_path):
    good = _at(_valid(tmp_path, "good.xlsx"), T0)
    bad = _at(_other(tmp_path, "bad.xlsx", stamp=None, unit="中原区", total=1), T0 + 1)
    result = check([good, bad], prefer=[bad])
    assert accepted_fen(result, bad) == 0
    assert accepted_fen(result, good) == 300_000


def test_identical_content_counts_once(tmp_path):
    a = _at(_valid(tmp_path, "a.xlsx"), T0)
    b = _at(_valid(tmp_path, "b.xlsx"), T0)  # the same form saved twice
    result = check([a, b])
    assert "duplicate-ambiguous" not in rules(result)
    assert accepted_fen(result) == 300_000


def test_the_newer_file_wins_by_one_nanosecond(tmp_path):
    a = _at(_valid(tmp_path, "a.xlsx"), T0)
    b = _at(_other(tmp_path, "b.xlsx"), T0 + 1)
    result = check([a, b])
    assert "superseded-submission" in rules(result, a)
    assert accepted_fen(result, b) == 3_600_000 and accepted_fen(result, a) == 0


def _stamped(tmp_path, name, when, rows):
    stamp = stamp_for(load_catalog(), generated_at=when)
    return build_submission(tmp_path / name, rows, stamp=stamp)


def test_the_newer_template_wins_over_a_newer_file_time(tmp_path):
    a = _at(_stamped(tmp_path, "a.xlsx", "2026-11-02T08:00:00+00:00", items(2)), T0)
    b = _at(_stamped(tmp_path, "b.xlsx", "2026-11-01T08:00:00+00:00", items(3)), T0 + 10**9)
    result = check([a, b])
    (sup,) = issues(result, "superseded-submission", b)
    assert "2026-11-02T08:00:00+00:00" in sup.message  # the true reason: the stamp's time
    assert accepted_fen(result) == 300_000


def test_generation_times_are_compared_as_instants(tmp_path):
    # 08:00 in Beijing is 00:00 UTC: earlier than 01:00 UTC
    a = _at(_stamped(tmp_path, "a.xlsx", "2026-11-01T08:00:00+08:00", items(2)), T0 + 10**9)
    b = _at(_stamped(tmp_path, "b.xlsx", "2026-11-01T01:00:00+00:00", items(3)), T0)
    result = check([a, b])
    assert "superseded-submission" in rules(result, a)
    assert accepted_fen(result) == 600_000


def test_the_same_instant_in_two_zones_is_equal_evidence(tmp_path):
    a = _at(_stamped(tmp_path, "a.xlsx", "2026-11-01T08:00:00+08:00", items(2)), T0)
    b = _at(_stamped(tmp_path, "b.xlsx", "2026-11-01T00:00:00+00:00", items(3)), T0)
    result = check([a, b])
    assert "duplicate-ambiguous" in rules(result, a)
    assert "duplicate-ambiguous" in rules(result, b)


def test_cli_prefer(tmp_path):
    a = _at(_valid(tmp_path, "a.xlsx"), T0)
    b = _at(_other(tmp_path, "b.xlsx"), T0)
    assert run_cli("check", a, b).exit_code == 1
    res = run_cli("check", a, b, "--prefer", a, "--format", "json")
    assert "superseded-submission" in res.output
    rolled = run_cli("rollup", a, b, "--prefer", a, "--json", tmp_path / "r.json")
    assert rolled.exit_code in (0, 1) and "no such option" not in rolled.output.lower()
