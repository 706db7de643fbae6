"""The README keeps up with the CLI: every command and every option is documented."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from toolkit.cli import cli
from toolkit.rules import registry

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        out.append((full, command))
        if isinstance(command, click.Group):
            out.extend(_commands(command, full + " "))
    return out


COMMANDS = _commands(cli)


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_documented(name: str, command: click.Command) -> None:
    assert f"budget-toolkit {name}" in README, f"README lacks `budget-toolkit {name}`"
    assert command.help, f"`{name}` has no --help text"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_options_documented(name: str, command: click.Command) -> None:
    missing = [
        opt
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
        for opt in param.opts
        if opt.startswith("--") and opt not in README
    ]
    assert not missing, f"README lacks {missing} of `budget-toolkit {name}`"


def test_rules_table_in_readme() -> None:
    for rule in registry.all_rules():
        assert f"`{rule.id}`" in README, rule.id


def test_readme_names_the_two_commands() -> None:
    assert "budget-toolkit demo" in README
    assert "python -m pytest" in README
