"""``vigie stack up|down|status``: a Typer sub-app over :mod:`vigie_stack.stack`."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from vigie.stack_names import Only, StackComponent, StackExtra, With

from . import stack
from .config import StackConfig

app = typer.Typer(
    help="Local dev stack without Docker: Kafka, FerretDB (MongoDB API) and a mail sink.",
    no_args_is_help=True,
)
# Outside a terminal (CI logs, pipes) Rich assumes 80 columns, too narrow for the table.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)


# One list of names for this CLI and the wheel's `vigie stack`, which offers them without the
# stack installed.
Name = StackComponent
Extra = StackExtra


def _say(message: str) -> None:
    # markup off: messages carry paths and brackets that are not Rich markup.
    console.print(message, markup=False)


def _names(only: list[Name] | None) -> list[str] | None:
    return [name.value for name in only] if only else None


@app.command()
def up(
    only: Only = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each component.")] = 90.0,
    with_: With = None,
) -> None:
    """Install/build if needed, start, and wait until every component answers."""
    cfg = StackConfig.from_env()
    console.print(f"stack dir: {cfg.stack_dir}", markup=False)
    began = time.monotonic()
    names = stack.with_extras(_names(only), [extra.value for extra in with_ or []])
    results = stack.up(names, config=cfg, timeout=timeout, say=_say)
    failed = [res for res in results if not res.ok]
    for res in failed:
        console.print(f"[bold red]{res.name} did not come up:[/] {res.message}")
        for line in res.log_tail:
            console.print(line, markup=False)
    took = time.monotonic() - began
    if failed:
        console.print(f"[red]stack up failed after {took:.1f}s[/]")
        raise typer.Exit(1)
    console.print(f"[green]stack up in {took:.1f}s[/]")


@app.command()
def down(
    only: Only = None,
    wipe: Annotated[
        bool, typer.Option(help="Also delete data and logs (keeps downloads).")
    ] = False,
) -> None:
    """Stop the servers that `up` started (never one it did not start)."""
    stack.down(_names(only), wipe=wipe, say=_say)


@app.command()
def status(only: Only = None) -> None:
    """Show each component, its address, whether it answers and who started it."""
    table = Table("component", "server", "address", "state", "pid", "ours")
    for column in table.columns[2:4]:
        column.no_wrap = True  # addresses are copied from here; never break them
    for st in stack.status(_names(only)):
        colour = "green" if st.ready else "red"
        table.add_row(
            st.name,
            st.title,
            st.address,
            f"[{colour}]{st.state}[/]",
            str(st.pid) if st.pid else "-",
            "yes" if st.owned else "no",
        )
    console.print(table)
