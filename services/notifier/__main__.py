"""`python -m notifier`: consume matches, send alerts, serve the preference centre."""

from __future__ import annotations

import asyncio

from notifier.bootstrap import bootstrap
from notifier.http_server import WebServer
from notifier.settings import NotifierSettings
from shared.logging import configure_logging
from shared.ports import listen_or_exit
from shared.service import run_until_signalled
from shared.tracing import configure_tracing, shutdown_tracing


def main() -> None:
    settings = NotifierSettings()
    configure_logging(settings.log_format, settings.log_level)
    # The preference centre's port first: a taken one stops the service before it consumes.
    sock = listen_or_exit(
        "notifier", settings.notifier_host, settings.notifier_port, "VIGIE_NOTIFIER_PORT"
    )
    configure_tracing(
        "vigie-notifier",
        settings.traces_exporter,
        settings.traces_endpoint,
        settings.traces_sample_ratio,
    )
    service = bootstrap(settings)
    web = WebServer(service.app, settings.notifier_host, settings.notifier_port, sock=sock)

    async def start() -> None:
        await service.start()
        await web.start()

    async def stop() -> None:
        await web.stop()
        await service.stop()
        shutdown_tracing()

    asyncio.run(run_until_signalled("notifier", start, stop))


if __name__ == "__main__":
    main()
