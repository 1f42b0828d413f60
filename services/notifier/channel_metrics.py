"""A channel observed: the end-to-end latency of each alert its provider accepted.

Wraps a `ChannelSender` (composition root), so the use cases stay unaware of metrics. The time
is taken when `send_alert` returns, i.e. when the SMTP server (250) or the SMS provider (201)
accepted the message, from `MatchEvent.tender_accepted_at` (ingest's acceptance). Reminders
and digests are left out: they are late on purpose, and would hide the pipeline's own delay. An
alert deferred past the enterprise's quiet hours is in, as its reader's wait.
"""

from __future__ import annotations

from notifier.ports import ChannelSender
from shared.clock import Clock
from shared.enterprises import Enterprise
from shared.events import MatchEvent
from shared.metrics import observe_end_to_end


class TimedChannel:
    def __init__(self, inner: ChannelSender, clock: Clock) -> None:
        self._inner = inner
        self._clock = clock
        self.channel = inner.channel

    def contact(self, enterprise: Enterprise) -> str | None:
        return self._inner.contact(enterprise)

    async def send_alert(
        self, enterprise: Enterprise, match: MatchEvent, key: str, *, reminder: bool = False
    ) -> None:
        await self._inner.send_alert(enterprise, match, key, reminder=reminder)
        if not reminder:
            observe_end_to_end(self.channel.value, match.tender_accepted_at, self._clock())

    async def send_digest(
        self, enterprise: Enterprise, matches: list[MatchEvent], key: str
    ) -> None:
        await self._inner.send_digest(enterprise, matches, key)
