"""`vigie reach UID`: what a tender's publisher sees at `GET /v1/tenders/{uid}/reach`, for an
operator (any tender; the same aggregates, the same contacts rule)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ingest.reach import Reach
from ingest.reach_store import ReachStore
from shared.mongo import database, make_client
from shared.settings import CommonSettings

console = Console(highlight=False)


async def read_reach(uid: str) -> Reach:
    settings = CommonSettings()
    client = make_client(settings.mongodb_url)
    try:
        return await ReachStore(database(client, settings.mongodb_url)).reach(uid)
    finally:
        await client.close()


def _counts(title: str, counts: dict[str, int]) -> Table:
    table = Table(title, "enterprises")
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(name, str(count))
    return table


def reach(
    uid: Annotated[str, typer.Argument(help="The tender uid, e.g. longueuil:AO-2026-041")],
    as_json: Annotated[bool, typer.Option("--json", help="The API's JSON document")] = False,
) -> None:
    """How many enterprises a tender reached, and what they did with it."""
    found = asyncio.run(read_reach(uid))
    if as_json:
        typer.echo(found.model_dump_json(indent=2))
        return
    console.print(f"{found.uid}: {found.alerted} enterprises alerted")
    console.print(_counts("kind", found.by_kind))
    console.print(_counts("territory served", found.by_territory))
    console.print(f"documents opened: {found.documents_opened} ({found.documents_note})")
    console.print(
        f"interested: {found.interested}, declined: {found.declined}, no answer: {found.no_answer}"
    )
    if found.declined_by_reason:
        console.print(_counts("declined because", found.declined_by_reason))
    for contact in found.contacts:
        console.print(f"contactable: {contact.name} <{contact.email}> ({contact.kind})")
