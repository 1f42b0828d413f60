"""`vigie contracts ...`: the published contracts of Vigie's topics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vigie.asyncapi_document import asyncapi_json, committed_copies

app = typer.Typer(help="The contracts of Vigie's topics.", no_args_is_help=True)
# A source checkout: services/vigie/ is two folders below its root.
CHECKOUT = Path(__file__).resolve().parents[2]


@app.command("asyncapi")
def asyncapi(
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Write the committed copies (docs/asyncapi.json and ingest's) in this "
            "source checkout instead of printing the document.",
        ),
    ] = False,
) -> None:
    """The AsyncAPI 3.0 document of the topics, generated from the services' brokers."""
    document = asyncapi_json()
    if not write:
        typer.echo(document, nl=False)
        return
    copies = committed_copies(CHECKOUT)
    if not (CHECKOUT / "docs").is_dir():
        raise typer.BadParameter(f"{CHECKOUT} is not a source checkout (no docs/ folder)")
    for path in copies:
        path.write_text(document, encoding="utf-8")
        typer.echo(f"wrote {path.relative_to(CHECKOUT)}")
