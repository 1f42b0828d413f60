"""docs/OPERATIONS.md follows what it documents: every alert rule has its entry, every `vigie`
command it tells an operator to run exists, and every image it shows is committed."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main
import yaml

from vigie.cli import app

CHECKOUT = Path(__file__).resolve().parents[2]
RUNBOOK = CHECKOUT / "docs" / "OPERATIONS.md"


def _runbook() -> str:
    return RUNBOOK.read_text(encoding="utf-8")


def test_every_alert_rule_has_its_entry() -> None:
    rules = yaml.safe_load((CHECKOUT / "deploy" / "monitoring" / "alerts.yml").read_text())
    alerts = [rule["alert"] for group in rules["groups"] for rule in group["rules"]]
    assert alerts
    missing = [name for name in alerts if f"**{name}**" not in _runbook()]
    assert not missing, f"docs/OPERATIONS.md says nothing of {missing}"


def _command_words(text: str) -> set[tuple[str, ...]]:
    """The words after `vigie` in each inline or block command, up to the first option or
    argument (a word that is not a lowercase name)."""
    found = set()
    for line in re.findall(r"vigie ((?:[a-z][a-z-]*\s?)+)", text):
        found.add(tuple(line.split()))
    return found


def _subcommands(command: object) -> dict[str, object] | None:
    """A group's commands by name; None for a command (Typer vendors its own click, so groups
    are told by their `commands`, not by a class)."""
    commands = getattr(command, "commands", None)
    return commands if isinstance(commands, dict) else None


def _resolves(command: object, words: tuple[str, ...]) -> bool:
    """True when the words lead to a command, the rest being its arguments."""
    for word in words:
        subcommands = _subcommands(command)
        if subcommands is None:
            return True  # an argument of the command reached
        if word not in subcommands:
            return False
        command = subcommands[word]
    return _subcommands(command) is None


def test_every_vigie_command_it_names_exists() -> None:
    cli = typer.main.get_command(app)
    commands = _command_words(_runbook())
    assert ("ops", "status") in commands
    unknown = sorted(" ".join(w) for w in commands if not _resolves(cli, w))
    assert not unknown, f"docs/OPERATIONS.md names commands that do not exist: {unknown}"


def test_the_check_catches_a_command_that_does_not_exist() -> None:
    cli = typer.main.get_command(app)
    assert not _resolves(cli, ("dlq", "purge"))
    assert _resolves(cli, ("dlq", "replay", "vigie"))


def test_every_image_it_shows_is_committed() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", _runbook())
    assert images
    for image in images:
        assert (RUNBOOK.parent / image).is_file(), image
