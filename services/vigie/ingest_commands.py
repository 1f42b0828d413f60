"""`vigie ingest ...`: bring notice files into Vigie, with progress and a summary."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ingest.bootstrap import bootstrap_runtime
from ingest.importer import ImportSummary, NoticeImporter, notice_files
from ingest.settings import IngestSettings

app = typer.Typer(help="Bring notices into Vigie from files and feeds.", no_args_is_help=True)
console = Console(highlight=False)
OUTCOMES = ("accepted", "amended", "unchanged", "cancelled", "skipped", "rejected")


async def _import(files: list[Path], progress: Progress) -> ImportSummary:
    runtime = bootstrap_runtime(IngestSettings())
    await runtime.start()
    try:
        task = progress.add_task("importing", total=len(files))
        importer = NoticeImporter(runtime.intake, publisher_id="file-import")
        return await importer.run(files, ImportSummary(), on_file=lambda _: progress.advance(task))
    finally:
        await runtime.stop()


def _report(summary: ImportSummary, show_skipped: bool) -> None:
    table = Table("outcome", "notices")
    for outcome in OUTCOMES:
        table.add_row(outcome, str(summary.counts.get(outcome, 0)))
    console.print(table)
    for ref, reason in summary.rejected:
        console.print(f"[red]rejected[/] {ref}: {reason}", markup=True)
    if show_skipped:
        for ref, reason in summary.skipped:
            console.print(f"[yellow]skipped[/] {ref}: {reason}", markup=True)


@app.command("file")
def ingest_file(
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True, help="Files or folders of notices (OCDS JSON, BOAMP XML, TED eForms XML)"
        ),
    ],
    show_skipped: Annotated[bool, typer.Option(help="List skipped notices and why")] = False,
) -> None:
    """Import notice files; ends with accepted, amended, unchanged, skipped, rejected counts."""
    files = list(notice_files(paths))
    with Progress(console=console) as progress:
        summary = asyncio.run(_import(files, progress))
    _report(summary, show_skipped)
    if summary.counts.get("rejected"):
        raise typer.Exit(1)
