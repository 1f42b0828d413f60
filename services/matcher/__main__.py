"""`python -m matcher`: consume tenders, publish matches; /metrics and /health/* on its port."""

from __future__ import annotations

import asyncio

from matcher.bootstrap import bootstrap
from matcher.settings import MatcherSettings
from shared.logging import configure_logging
from shared.ports import listen_or_exit
from shared.service import run_until_signalled
from shared.tracing import configure_tracing, shutdown_tracing
from shared.web_server import EmbeddedWebServer


def main() -> None:
    settings = MatcherSettings()
    configure_logging(settings.log_format, settings.log_level)
    # The operational port first: a taken one stops the service before it consumes.
    host, port = settings.matcher_host, settings.matcher_port
    sock = listen_or_exit("matcher", host, port, "VIGIE_MATCHER_PORT")
    configure_tracing(
        "vigie-matcher",
        settings.traces_exporter,
        settings.traces_endpoint,
        settings.traces_sample_ratio,
    )
    service = bootstrap(settings)
    web = EmbeddedWebServer(
        service.app, host, port, sock, service="matcher", setting="VIGIE_MATCHER_PORT"
    )

    async def start() -> None:
        await web.start()  # /health/ready says 503 until the index is loaded and Kafka answers
        await service.start()

    async def stop() -> None:
        await service.stop()
        await web.stop()
        shutdown_tracing()

    asyncio.run(run_until_signalled("matcher", start, stop))


if __name__ == "__main__":
    main()
