"""`vigie ingest ...`: bring notice files into Vigie, with progress and a summary."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ingest.bootstrap import bootstrap_runtime
from ingest.importer import ImportSummary, NoticeImporter, notice_files
from ingest.settings import IngestSettings
from ingest.watch import FEED_BACKOFF, FeedSource, FolderSource, Watermarks, poll_feed, poll_folder
from shared.mongo import database

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


async def _watch(target: str, interval: float, once: bool) -> ImportSummary:
    runtime = bootstrap_runtime(IngestSettings())
    await runtime.start()
    summary = ImportSummary()
    marks = Watermarks(database(runtime.client, runtime.settings.mongodb_url))
    importer = NoticeImporter(runtime.intake, publisher_id=f"watch:{target}")
    failures = 0
    try:
        async with httpx.AsyncClient(follow_redirects=True) as http:
            while True:
                try:
                    found = await _poll(target, http, marks, importer, summary)
                    failures = 0
                    console.print(f"{target}: {found} new; totals {dict(summary.counts)}")
                    wait = interval
                except (httpx.HTTPError, OSError, ValueError) as exc:
                    failures += 1
                    wait = FEED_BACKOFF.delay(failures)
                    console.print(f"[red]{target} failed ({exc!r}); retry in {wait:.0f}s")
                if once:
                    return summary
                await asyncio.sleep(wait)
    finally:
        await runtime.stop()


async def _poll(
    target: str,
    http: httpx.AsyncClient,
    marks: Watermarks,
    importer: NoticeImporter,
    summary: ImportSummary,
) -> int:
    if target.startswith(("http://", "https://")):
        return await poll_feed(FeedSource(target, http), marks, importer, summary)
    return await poll_folder(
        FolderSource(Path(target)),
        marks,
        importer,
        summary,
        on_file=lambda path: console.print(f"imported {path.name}"),
    )


@app.command("watch")
def ingest_watch(
    target: Annotated[str, typer.Argument(help="An OCDS release-package URL or a drop folder")],
    interval: Annotated[float, typer.Option(help="Seconds between polls")] = 60.0,
    once: Annotated[bool, typer.Option(help="Poll once and stop")] = False,
) -> None:
    """Poll a feed or folder for new notices; a restart resumes from the stored watermark."""
    try:
        summary = asyncio.run(_watch(target, interval, once))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    _report(summary, show_skipped=False)
