"""Class 12: what a person reads cannot be spoofed.

Control, bidi and zero-width characters from cells and file names are made visible
(``\\x1b``, ``U+202E``, ``U+200B``) in text output, and a code that differs from a valid
one only by invisible or look-alike characters says so in its unknown-code message.
"""

from __future__ import annotations

import pytest
from builders import entry_part, patch_part
from trust_builders import build_submission, check, found, issues, item, rules, run_cli

from toolkit.output.render import render_text

INVISIBLE = ["\u200b", "\u200e", "\u200f", "\u202e", "\u2066", "\ufeff", "\u00ad", "\u2060"]


@pytest.mark.parametrize("ch", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_characters_in_cells_are_shown_escaped_in_text_output(tmp_path, ch):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, project=f"服务{ch}项目")])
    result = check(path)
    assert ("invalid-text", "warning", "B5") in found(result)
    text = render_text(result)
    assert ch not in text
    assert f"U+{ord(ch):04X}" in text


def test_control_characters_in_cells_are_shown_escaped(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, project="ANSIMARK")])
    patch_part(path, entry_part(path), "ANSIMARK", "服务_x001B_[31m项目_x0007_")
    result = check(path)
    assert ("invalid-text", "warning", "B5") in found(result)
    text = render_text(result)
    assert "\x1b" not in text and "\x07" not in text


def test_control_characters_reach_no_terminal_through_the_cli(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, code="033A\u202e0101")])
    res = run_cli("check", path)
    assert "\u202e" not in res.output
    assert "U+202E" in res.output


@pytest.mark.parametrize("name", ["x\u202egpj.xlsx", "a\u200bb.xlsx", "c\u2066d.xlsx"])
def test_file_names_are_shown_escaped(tmp_path, name):
    path = build_submission(tmp_path / name, [item(0), item(1, code="033Z9999")])
    text = render_text(check(path))
    assert not any(ch in text for ch in INVISIBLE)
    assert "U+" in text


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("033A\u200b0101", "U+200B"),
        ("\ufeff033A0101", "U+FEFF"),
        ("033A0101\u200e", "U+200E"),
        ("033A\u202c0101", "U+202C"),
        ("033\u04100101", "U+0410"),  # Cyrillic А
        ("033\u03910101", "U+0391"),  # Greek Α
        ("033\u0430\u200b0101", "U+0430"),  # Cyrillic small а and a zero-width space
    ],
    ids=repr,
)
def test_a_code_spoiled_by_invisible_or_look_alike_characters_says_so(tmp_path, code, named):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, code=code)])
    result = check(path)
    (bad,) = issues(result, "unknown-code")
    assert (bad.severity, bad.cell) == ("error", "C5")
    assert named in bad.message
    assert "033A0101" in bad.message  # what the code would be without them
    assert not any(ch in render_text(result) for ch in INVISIBLE)


def test_letters_for_digits_in_a_code_say_so(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, code="O33A0I01")])
    (bad,) = issues(check(path), "unknown-code")
    assert "033A0101" in bad.message


def test_full_width_codes_are_the_same_code(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, code="０３３Ａ０１０１")])
    result = check(path)
    assert result.files[0].status == "ok", found(result)


@pytest.mark.parametrize("where", ["method", "unit"])
def test_a_list_value_or_unit_spoiled_by_an_invisible_character_says_so(tmp_path, where):
    if where == "method":
        path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, method="公开\u200b招标")])
        rule = "value-not-in-list"
    else:
        path = build_submission(tmp_path / "a.xlsx", [item(0)], unit="中原区\u200b")
        rule = "unit-unknown"
    result = check(path)
    assert rule in rules(result)
    (bad,) = issues(result, rule)
    assert "U+200B" in bad.message
