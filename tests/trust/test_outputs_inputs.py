"""Class 10: outputs never overwrite inputs, and our own outputs are never read as
submissions.

-o, --json, --csv and --annotate refuse a path that is, or lies among, the inputs; an
annotated copy carries a mark, and check/rollup recognise it (annotated-copy) and never
count it.
"""

from __future__ import annotations

import hashlib

import pytest
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    found,
    item,
    items,
    lo_many,
    rules,
    run_cli,
)

from toolkit.output.annotate import annotate


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    a = build_submission(folder / "a.xlsx", items(2))
    b = build_submission(folder / "b.xlsx", items(3), unit="金水区")
    return folder, a, b


def _refused(res):
    return res.exit_code == 2 or (res.exit_code != 0 and "错误" in res.output)


def test_rollup_output_over_an_input_file_is_refused(tmp_path):
    folder, a, _b = _inputs(tmp_path)
    before = _digest(a)
    res = run_cli("rollup", folder, "-o", a)
    assert _refused(res), res.output
    assert _digest(a) == before


def test_rollup_output_inside_an_input_folder_is_refused(tmp_path):
    folder, _a, _b = _inputs(tmp_path)
    res = run_cli("rollup", folder, "-o", folder / "汇总.xlsx")
    assert _refused(res), res.output
    assert not (folder / "汇总.xlsx").exists()


def test_rollup_json_over_an_input_file_is_refused(tmp_path):
    _folder, a, b = _inputs(tmp_path)
    before = _digest(b)
    res = run_cli("rollup", a, b, "--json", b)
    assert _refused(res), res.output
    assert _digest(b) == before


@pytest.mark.parametrize("inside", [True, False])
def test_rollup_csv_among_the_inputs_is_refused(tmp_path, inside):
    folder, _a, _b = _inputs(tmp_path)
    target = folder / "csv" if inside else folder
    res = run_cli("rollup", folder, "--csv", target)
    assert _refused(res), res.output
    assert not list(folder.rglob("*.csv"))


@pytest.mark.parametrize("inside", [True, False])
def test_check_annotate_among_the_inputs_is_refused(tmp_path, inside):
    folder, _a, _b = _inputs(tmp_path)
    target = folder / "退回" if inside else folder
    res = run_cli("check", folder, "--annotate", target)
    assert res.exit_code == 2
    assert not list(folder.rglob("*问题标注*"))


def test_annotate_never_overwrites_another_input(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    out = tmp_path / "退回"
    out.mkdir()
    a = build_submission(folder / "a.xlsx", [item(0), item(1, project="服务\u200b项目")])
    # a corrected file the office sent back under the copy's name, checked in the same run
    other = build_submission(out / "a_问题标注.xlsx", items(3), unit="金水区")
    before = _digest(other)
    res = run_cli("check", a, other, "--annotate", out)
    assert res.exit_code in (0, 1, 2)
    assert _digest(other) == before


def _annotated(tmp_path):
    """An original with a warning only (it counts) and its annotated copy."""
    original = build_submission(tmp_path / "a.xlsx", [item(0), item(1, project="服务\u200b项目")])
    result = check(original)
    assert rules(result) == {"invalid-text"}
    (done,) = annotate(result, tmp_path / "退回")
    assert done.target is not None, done.reason
    return original, done.target


ANNOTATED_NOT_MARKED = (
    "BUG: the annotated copy is never marked (annotate writes no budget_toolkit.annotated "
    "property), so check/rollup read it as a submission and count it"
)


def test_an_annotated_copy_fed_back_never_counts(tmp_path):
    _original, copy = _annotated(tmp_path)
    result = check(copy)
    assert ("annotated-copy", "error", "") in found(result)
    assert accepted_fen(result) == 0
    assert run_cli("check", copy).exit_code == 1


def test_an_annotated_copy_beside_its_original_leaves_the_original_counting(tmp_path):
    original, copy = _annotated(tmp_path)
    result = check([original, copy])
    assert "annotated-copy" in rules(result, copy)
    assert "superseded-submission" not in rules(result, original)
    assert accepted_fen(result, original) == 300_000
    assert accepted_fen(result, copy) == 0


def test_an_annotated_copy_resaved_by_libreoffice_is_still_recognised(tmp_path):
    _original, copy = _annotated(tmp_path)
    (resaved,) = lo_many([copy], tmp_path / "lo")
    assert "annotated-copy" in rules(check(resaved))


def test_a_corrected_annotated_copy_is_a_submission_again(tmp_path):
    from trust_builders import edit

    _original, copy = _annotated(tmp_path)
    edit(copy, lambda ws: ws.__setitem__("B5", "服务项目"))  # the office fixed it
    result = check(copy)
    assert "annotated-copy" not in rules(result)
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == 300_000
