"""`python -m notifier`: consume matches, send alerts, serve the preference centre."""

from __future__ import annotations

import asyncio

import structlog

from notifier.bootstrap import bootstrap
from notifier.http_server import WebServer
from notifier.settings import NotifierSettings
from shared.logging import configure_logging
from shared.ports import PortTakenError, listen
from shared.service import run_until_signalled

log = structlog.get_logger()


def main() -> None:
    settings = NotifierSettings()
    configure_logging(settings.log_format, settings.log_level)
    # The preference centre's port first: a taken one stops the service before it consumes.
    try:
        sock = listen(
            "notifier", settings.notifier_host, settings.notifier_port, "VIGIE_NOTIFIER_PORT"
        )
    except PortTakenError as exc:
        log.error(
            "port_taken",
            service="notifier",
            host=exc.host,
            port=exc.port,
            error=str(exc),
            next="not started, exit status 2",
        )
        raise SystemExit(2) from exc
    service = bootstrap(settings)
    web = WebServer(service.app, settings.notifier_host, settings.notifier_port, sock=sock)

    async def start() -> None:
        await service.start()
        await web.start()

    async def stop() -> None:
        await web.stop()
        await service.stop()

    asyncio.run(run_until_signalled("notifier", start, stop))


if __name__ == "__main__":
    main()
