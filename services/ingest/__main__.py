"""`python -m ingest`: the publishers' HTTP API."""

from __future__ import annotations

import uvicorn

from ingest.bootstrap import bootstrap
from ingest.settings import IngestSettings
from shared.logging import configure_logging


def main() -> None:
    settings = IngestSettings()
    configure_logging(settings.log_format, settings.log_level)
    uvicorn.run(
        bootstrap(settings),
        host=settings.ingest_host,
        port=settings.ingest_port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )


if __name__ == "__main__":
    main()
