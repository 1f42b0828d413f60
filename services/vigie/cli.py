"""`vigie`: the operators' command line."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ingest.publisher_scope import Publisher
from ingest.publishers import PublisherDirectory
from ingest.settings import IngestSettings
from shared.enterprises import Enterprise
from shared.kafka.enterprise_changes import enterprise_announcer
from shared.logging import configure_logging
from shared.mongo import database, make_client
from shared.settings import CommonSettings
from vigie import contract_commands, enterprise_review, ingest_commands, ops_commands
from vigie.dead_letters import DeadLetter, list_dead_letters, replay_dead_letters
from vigie.enterprise_file import parse_enterprises
from vigie.enterprise_store import upsert_enterprises
from vigie.reach_command import reach
from vigie.stack_names import Only, With

# The local stack (`vigie_stack`: `vigie stack …`, `vigie demo`, `vigie services …`) is imported
# by those commands only: the wheel leaves it out, and every other command works without it.

app = typer.Typer(help="Vigie: tender alerts for social-economy enterprises.", no_args_is_help=True)
stack_app = typer.Typer(
    help="The local stack without Docker: Kafka, FerretDB, SMTP capture, "
    "and Vigie's services when `vigie demo` started them.",
    no_args_is_help=True,
)
enterprises_app = typer.Typer(help="Enterprises and their alert profiles.", no_args_is_help=True)
publishers_app = typer.Typer(help="API clients that push tenders.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter topics: what failed and why; replay.", no_args_is_help=True)
services_app = typer.Typer(
    help="Vigie's three services as processes beside the local stack, with replicas.",
    no_args_is_help=True,
)
app.add_typer(stack_app, name="stack")
app.add_typer(enterprises_app, name="enterprises")
app.add_typer(publishers_app, name="publishers")
app.add_typer(dlq_app, name="dlq")
app.add_typer(services_app, name="services")
app.add_typer(ingest_commands.app, name="ingest")
enterprise_review.register(enterprises_app)
app.command("reach")(reach)
app.add_typer(contract_commands.app, name="contracts")
app.add_typer(ops_commands.app, name="ops")
console = Console(highlight=False)


def _stack_cli() -> ModuleType:
    """`vigie_stack.cli`, or a clear exit when the local stack is not installed."""
    try:
        from vigie_stack import cli as stack_cli
    except ImportError as exc:
        console.print(
            "[red]the local stack (vigie_stack) is not installed: it comes with a source "
            "checkout of Vigie (`make install`), not with the wheel"
        )
        raise typer.Exit(2) from exc
    return stack_cli


@stack_app.command("up")
def stack_up(
    only: Only = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each component.")] = 90.0,
    with_: With = None,
) -> None:
    """Install/build if needed, start, and wait until every component answers."""
    stack_cli = _stack_cli()
    stack_cli.up(only, timeout, with_)


@app.callback()
def _configure(
    log_level: Annotated[
        str, typer.Option(envvar="VIGIE_LOG_LEVEL", help="Log level of the commands")
    ] = "WARNING",
) -> None:
    """Commands talk to people through their own output; logs stay quiet unless asked for."""
    configure_logging("console", log_level)


@stack_app.command("down")
def stack_down(
    only: Only = None,
    wipe: Annotated[
        bool, typer.Option(help="Also delete data and logs (keeps downloads).")
    ] = False,
) -> None:
    """Stop Vigie's services, then the servers that `up` started (never one it did not start)."""
    stack_cli = _stack_cli()
    from vigie.services_runner import stop_services
    from vigie_stack.config import StackConfig

    if not only:
        for name in stop_services(StackConfig.from_env()):
            console.print(f"{name}: stopped")
    stack_cli.down(only, wipe)


@stack_app.command("status")
def stack_status(only: Only = None) -> None:
    """Each component and service, its address, whether it answers and who started it."""
    stack_cli = _stack_cli()
    from vigie.services_runner import replica_states
    from vigie_stack.config import StackConfig

    stack_cli.status(only)
    table = Table("service", "pid")
    for state in replica_states(StackConfig.from_env(), os.environ):
        table.add_row(state.label, str(state.pid) if state.pid else "not running")
    console.print(table)


Replicas = Annotated[
    list[str] | None,
    typer.Option(
        "--replicas",
        help="SERVICE=N[,SERVICE=N…]: run N replicas of SERVICE (one consumer group; replica i "
        "listens on the service's port + i). Services not named keep what runs.",
        show_default=False,
    ),
]


@services_app.command("up")
def services_up(
    replicas: Replicas = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait until they are ready.")] = 60.0,
) -> None:
    """Start the three services (no demo data) on the local stack, or where the operator's
    VIGIE_ environment says; dev secrets of the stack dir unless VIGIE_ ones are set."""
    _stack_cli()
    from vigie.services_runner import (
        operator_env,
        parse_replicas,
        start_services,
        wait_until_ready,
    )
    from vigie_stack.config import StackConfig

    try:
        counts = parse_replicas(",".join(replicas or []))
    except ValueError as exc:
        console.print(f"[red]--replicas {exc}", markup=True)
        raise typer.Exit(2) from exc
    config = StackConfig.from_env()
    env = operator_env(config, os.environ)
    services = start_services(config, env, counts)
    problems = [f"{s.label} not started: {s.problem}" for s in services if s.problem]
    if problems:
        console.print("\n".join(problems), markup=False)
        raise typer.Exit(1)
    for service in services:
        where = f" at {service.listener.url}" if service.listener else ""
        state = "started" if service.started else "already running"
        console.print(f"{service.label}: {state} (pid {service.pid}{where}, log {service.log})")
    try:
        wait_until_ready(config, services, env, timeout)
    except RuntimeError as exc:
        console.print(str(exc), markup=False, style="red")
        raise typer.Exit(1) from exc
    console.print("[green]services ready")


@services_app.command("down")
def services_down() -> None:
    """Stop every replica of the services started from this stack dir; the servers keep running."""
    _stack_cli()
    from vigie.services_runner import stop_services
    from vigie_stack.config import StackConfig

    stopped = stop_services(StackConfig.from_env())
    for name in stopped:
        console.print(f"{name}: stopped")
    if not stopped:
        console.print("no service of this stack dir was running")


@services_app.command("status")
def services_status() -> None:
    """Each replica: pid, address, live and ready (from its /health endpoints); exit status 1
    if no service runs."""
    _stack_cli()
    from vigie.service_health import probe
    from vigie.services_runner import replica_states
    from vigie_stack.config import StackConfig

    states = replica_states(StackConfig.from_env(), os.environ)
    table = Table("service", "pid", "address", "live", "ready", "detail")
    for state in states:
        if state.pid is None:
            table.add_row(state.label, "not running", "-", "-", "-", str(state.log))
            continue
        if state.listener is None:
            table.add_row(state.label, str(state.pid), "-", "?", "?", "no HTTP port")
            continue
        health = probe(state.listener.url)
        detail = health.ready.detail if health.ready.ok is not True else health.live.detail
        table.add_row(
            state.label,
            str(state.pid),
            state.listener.url,
            health.live.word,
            health.ready.word,
            detail,
        )
    console.print(table)
    if not any(state.pid for state in states):
        raise typer.Exit(1)


@enterprises_app.command("import")
def import_enterprises(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="JSON array or JSON Lines; see docs/enterprises.md",
        ),
    ],
) -> None:
    """Load enterprises with their alert profiles; re-running updates them in place."""
    settings = CommonSettings()
    enterprises, rejected = parse_enterprises(file.read_text(encoding="utf-8"))
    for item in rejected:
        console.print(f"[red]rejected[/] {item.position}: {item.reason}", markup=True)
    written = asyncio.run(_write(settings, enterprises))
    console.print(f"{written} enterprises imported, {len(rejected)} rejected")
    if rejected:
        raise typer.Exit(1)


async def _write(settings: CommonSettings, enterprises: list[Enterprise]) -> int:
    client = make_client(settings.mongodb_url)
    try:
        async with enterprise_announcer(settings) as announce:
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("importing", total=len(enterprises))
                return await upsert_enterprises(
                    database(client, settings.mongodb_url),
                    enterprises,
                    progress=lambda n: progress.advance(task, n),
                    announce=announce,
                )
    finally:
        await client.close()


@publishers_app.command("add")
def add_publisher(
    name: Annotated[str, typer.Argument(help="Who publishes, e.g. 'Ville de Longueuil'")],
    buyer: Annotated[
        list[str], typer.Option("--buyer", help="A buyer id it may publish for (repeatable)")
    ],
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source", help="A tender source it may use (repeatable; default: its own slug)"
        ),
    ] = None,
) -> None:
    """Create a publisher and print its API key, once: only its hash is stored."""
    settings = IngestSettings()
    try:
        pepper = settings.pepper()
    except RuntimeError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from exc
    publisher, key = asyncio.run(
        _add_publisher(settings.mongodb_url, pepper, name, buyer, source or [])
    )
    console.print(
        f"publisher {publisher.id}: buyers {sorted(publisher.buyers)}, "
        f"sources {sorted(publisher.sources)}"
    )
    console.print("API key (shown once, store it now):")
    typer.echo(key)


async def _add_publisher(
    url: str, pepper: str, name: str, buyers: list[str], sources: list[str]
) -> tuple[Publisher, str]:
    client = make_client(url)
    try:
        directory = PublisherDirectory(database(client, url), pepper)
        await directory.ensure_indexes()
        return await directory.add(name, buyers, sources)
    finally:
        await client.close()


DlqName = Annotated[str, typer.Argument(help="e.g. vigie.tenders.v1.dlq")]


@dlq_app.command("list")
def dlq_list(topic: DlqName) -> None:
    """Every record of a dead-letter topic: where it came from and why it failed."""
    settings = CommonSettings()
    letters = asyncio.run(list_dead_letters(settings.kafka_bootstrap, topic))
    table = Table("partition:offset", "source", "attempts", "error")
    for letter in letters:
        table.add_row(
            f"{letter.partition}:{letter.offset}",
            letter.source,
            letter.attempts,
            letter.error[:120],
        )
    console.print(table)
    console.print(f"{len(letters)} dead letters in {topic}")


@dlq_app.command("replay")
def dlq_replay(topic: DlqName) -> None:
    """Republish to its source topic each record not replayed yet (resumable)."""
    settings = CommonSettings()

    def said(letter: DeadLetter) -> None:
        console.print(
            f"replayed {topic}:{letter.partition}:{letter.offset} -> {letter.source_topic}"
        )

    try:
        count = asyncio.run(replay_dead_letters(settings.kafka_bootstrap, topic, said))
    except ValueError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from exc
    console.print(f"{count} records replayed")


@app.command()
def demo(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the emails.")] = 90.0,
) -> None:
    """Stack up, services started, demo enterprises and tenders in, emails shown; stays up."""
    _stack_cli()
    from vigie.demo import run_demo

    raise typer.Exit(run_demo(console, timeout))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
