"""The local stack's components and groups of extras, and the options that choose them, as both
command lines offer them: `vigie
stack` (the wheel's CLI, which must load where the stack is not installed) and `vigie_stack.cli`
(source checkouts), which takes them from here."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class StackComponent(StrEnum):
    """A component `--only` may name (`vigie_stack.stack.ALL_NAMES`)."""

    kafka = "kafka"
    mongo = "mongo"
    mail = "mail"
    exporter = "exporter"
    prometheus = "prometheus"
    zipkin = "zipkin"


class StackExtra(StrEnum):
    """Groups of extra components: `--with monitoring`, `--with tracing`."""

    monitoring = "monitoring"
    tracing = "tracing"


Only = Annotated[
    list[StackComponent] | None,
    typer.Option("--only", help="Limit to this component (repeatable).", show_default=False),
]
With = Annotated[
    list[StackExtra] | None,
    typer.Option(
        "--with",
        help="Also start: monitoring (lag exporter :9308, Prometheus :9090 with the alert "
        "rules of deploy/monitoring), tracing (Zipkin :9411). Repeatable.",
        show_default=False,
    ),
]
