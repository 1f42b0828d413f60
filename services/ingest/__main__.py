"""`python -m ingest`: the publishers' HTTP API."""

from __future__ import annotations

import uvicorn

from ingest.bootstrap import bootstrap
from ingest.settings import IngestSettings
from shared.logging import configure_logging
from shared.ports import listen_or_exit
from shared.tracing import configure_tracing, shutdown_tracing


def main() -> None:
    settings = IngestSettings()
    configure_logging(settings.log_format, settings.log_level)
    # The port first: a taken one stops the service before it connects to anything.
    sock = listen_or_exit("ingest", settings.ingest_host, settings.ingest_port, "VIGIE_INGEST_PORT")
    configure_tracing(
        "vigie-ingest",
        settings.traces_exporter,
        settings.traces_endpoint,
        settings.traces_sample_ratio,
    )
    config = uvicorn.Config(
        bootstrap(settings), log_level=settings.log_level.lower(), access_log=False
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        shutdown_tracing()


if __name__ == "__main__":
    main()
