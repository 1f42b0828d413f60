"""`python -m matcher`: consume tenders, publish matches."""

from __future__ import annotations

import asyncio

from matcher.bootstrap import bootstrap
from matcher.settings import MatcherSettings
from shared.logging import configure_logging
from shared.service import run_until_signalled


def main() -> None:
    settings = MatcherSettings()
    configure_logging(settings.log_format, settings.log_level)
    service = bootstrap(settings)
    asyncio.run(run_until_signalled("matcher", service.start, service.stop))


if __name__ == "__main__":
    main()
