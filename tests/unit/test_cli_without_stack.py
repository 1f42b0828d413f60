"""The operators' commands work where the local stack (`vigie_stack`) is not installed, as in the
wheel: only `vigie stack …`, `vigie demo` and `vigie services …` import it, when they run."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from vigie.stack_names import StackComponent, StackExtra
from vigie_stack.monitoring import EXTRAS
from vigie_stack.stack import ALL_NAMES

# `sys.modules[name] = None` makes every import of that name fail, as if it were not installed.
_WITHOUT_STACK = textwrap.dedent(
    """
    import sys

    sys.modules["vigie_stack"] = None
    from typer.testing import CliRunner

    from vigie.cli import app

    runner = CliRunner()
    for args in {commands!r}:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output, result.exception)
    result = runner.invoke(app, ["stack", "status"])
    assert result.exit_code == 2, result.output
    assert "vigie_stack" in result.output, result.output
    assert "vigie_stack" not in {{name.split(".")[0] for name in sys.modules if sys.modules[name]}}
    """
)

_COMMANDS = [
    ["--help"],
    ["enterprises", "import", "--help"],
    ["publishers", "add", "--help"],
    ["ingest", "file", "--help"],
    ["dlq", "list", "--help"],
    ["stack", "--help"],
    ["stack", "up", "--help"],
    ["demo", "--help"],
    ["services", "--help"],
    ["ops", "status", "--help"],
    ["ops", "exporter", "--help"],
]


def test_the_cli_loads_and_helps_without_the_local_stack() -> None:
    script = _WITHOUT_STACK.format(commands=_COMMANDS)
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr


def test_the_cli_names_the_stack_extras_as_the_stack_does() -> None:
    assert {member.value for member in StackExtra} == set(EXTRAS)


def test_the_cli_names_the_stack_components_as_the_stack_does() -> None:
    assert {member.value for member in StackComponent} == set(ALL_NAMES)
