"""`python -m notifier`: consume matches, send alerts."""

from __future__ import annotations

import asyncio

from notifier.bootstrap import bootstrap
from notifier.settings import NotifierSettings
from shared.logging import configure_logging
from shared.service import run_until_signalled


def main() -> None:
    settings = NotifierSettings()
    configure_logging(settings.log_format, settings.log_level)
    service = bootstrap(settings)
    asyncio.run(run_until_signalled("notifier", service.start, service.stop))


if __name__ == "__main__":
    main()
