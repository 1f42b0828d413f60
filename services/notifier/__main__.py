"""`python -m notifier`: consume matches, send alerts, serve the preference centre."""

from __future__ import annotations

import asyncio

from notifier.bootstrap import bootstrap
from notifier.http_server import WebServer
from notifier.settings import NotifierSettings
from shared.logging import configure_logging
from shared.service import run_until_signalled


def main() -> None:
    settings = NotifierSettings()
    configure_logging(settings.log_format, settings.log_level)
    service = bootstrap(settings)
    web = WebServer(service.app, settings.notifier_host, settings.notifier_port)

    async def start() -> None:
        await service.start()
        await web.start()

    async def stop() -> None:
        await web.stop()
        await service.stop()

    asyncio.run(run_until_signalled("notifier", start, stop))


if __name__ == "__main__":
    main()
