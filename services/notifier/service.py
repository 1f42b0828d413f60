"""The notifier's use cases: a match in, at most one message per channel and idempotency key out.

`Notifier.handle` (the Kafka consumer) only records intents in the outbox — an alert per
(match, revision, channel), or an item held for the enterprise's next digest, and a closing-soon
reminder — and wakes the dispatcher; once that is durable the offset may be committed.
`Deliverer.attempt` (run by the dispatcher) leases one outbox document, decides from the
enterprise's consent and preferences *at send time* (an unsubscribe is honoured at once), defers
it past quiet hours, sends, and records the outcome: sent, suppressed, retried later with capped
exponential backoff and jitter, or failed and dead-lettered. A redelivered match finds its key
recorded and sends nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

import structlog

from notifier.delivery import Delivery, DeliveryType, Outcome, RecordStatus, settled
from notifier.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifier.policy import may_send, profile_channels
from notifier.ports import (
    ChannelSender,
    DeadLetter,
    Dispatch,
    IntakeStore,
    Publish,
    SendingStore,
    Settle,
)
from notifier.schedule import cadence_for, is_urgent, next_digest_at, quiet_until
from shared.clock import Clock
from shared.enterprises import Cadence, Enterprise
from shared.events import Channel, DeliveryEvent, DeliveryStatus, MatchEvent, MatchKind
from shared.kafka.consumer import PermanentError, RetryPolicy
from shared.kafka.coordinates import Consumed, Coordinates

log = structlog.get_logger()
_EVENT_NAMESPACE = uuid.UUID("0f8a3c0e-5d0b-4c3e-a0a4-8e4e1d2f7b61")


def delivery_key(match: MatchEvent, channel: Channel) -> str:
    return f"{match.match_id}#{match.kind}#{channel}"


def digest_key(enterprise_id: str, channel: Channel, at: datetime) -> str:
    return f"digest#{enterprise_id}#{channel}#{at:%Y%m%dT%H%M}Z"


def reminder_key(tender_uid: str, enterprise_id: str, channel: Channel) -> str:
    return f"reminder#{tender_uid}#{enterprise_id}#{channel}"


def delivery_event(item: Delivery, status: DeliveryStatus, detail: str) -> DeliveryEvent:
    """The outcome of one alert-like delivery; the event id folds repeats."""
    if item.channel is None:
        raise ValueError(f"delivery {item.key!r} names no channel")
    return DeliveryEvent(
        event_id=uuid.uuid5(_EVENT_NAMESPACE, f"{item.key}|{status}"),
        status=status,
        channel=item.channel,
        idempotency_key=item.key,
        match_id=item.match_id,
        enterprise_id=item.enterprise_id,
        tender_uid=item.tender_uid,
        revision=item.revision,
        detail=detail,
    )


class Notifier:
    def __init__(
        self,
        store: IntakeStore,
        channels: Mapping[Channel, ChannelSender],
        publish: Publish,
        deliverer: Deliverer,
        dispatcher: Dispatch,
        clock: Clock,
    ) -> None:
        self._store = store
        self._channels = channels
        self._publish = publish
        self._deliverer = deliverer
        self._dispatcher = dispatcher
        self._clock = clock

    async def handle_batch(self, batch: list[Consumed[MatchEvent]]) -> None:
        """Record the intents of a batch of matches: the instant ones in two writes for the
        whole batch, then hand them to the dispatcher; digests and reminders one by one."""
        ids = sorted({consumed.event.enterprise_id for consumed in batch})
        enterprises = await self._store.enterprises(ids)
        missing = [i for i in ids if i not in enterprises]
        if missing:
            raise PermanentError(f"enterprise {missing[0]!r} does not exist")
        now = self._clock()
        # Instant messages by key: a record Kafka delivered twice in one batch counts once.
        instant: dict[str, tuple[Delivery, MatchEvent]] = {}
        for consumed in batch:
            match, enterprise = consumed.event, enterprises[consumed.event.enterprise_id]
            channels = self._wanted(enterprise, match.profile_id)
            for channel in channels:
                key = delivery_key(match, channel)
                record = Delivery.of_match(key, match, channel, consumed.at, now)
                cadence = cadence_for(enterprise, match.profile_id)
                if cadence == Cadence.INSTANT or is_urgent(match, now):
                    instant.setdefault(key, (record, match))
                elif not await self._hold(enterprise, record, cadence, now):
                    await self._already_recorded(key, now)
            await self._plan_reminders(enterprise, match, channels, consumed.at, now)
        leased = await self._deliverer.claim_leased([d for d, _ in instant.values()], now)
        for key in instant:
            if key not in leased:
                await self._already_recorded(key, now)
        for key, (_, match) in instant.items():
            if key in leased:
                enterprise = enterprises[match.enterprise_id]
                send = partial(self._deliverer.deliver, leased[key], enterprise, match)
                await self._dispatcher.submit(key, send)

    def _wanted(self, enterprise: Enterprise, profile_id: str) -> list[Channel]:
        """The profile's channels the enterprise consented to; email alone when none is, so the
        suppression is on record. Consent is checked again at send time."""
        usable = profile_channels(enterprise, profile_id)
        wanted = [c for c in self._channels if c in usable and enterprise.consents_to(c.value)]
        return wanted or [Channel.EMAIL]

    async def _already_recorded(self, key: str, now: datetime) -> None:
        """A redelivered or replayed match. Settled: nothing to do. Pending: the writes a crash
        may have cut short are finished (the outbox entry, the item's place in its digest).
        Failed: an operator replayed it from the dead-letter topic (`vigie dlq replay`), after
        fixing the cause, so it is tried afresh."""
        record = await self._store.record(key)
        status = record.status.value if record else None
        if record is not None and record.status == RecordStatus.SCHEDULED:
            await self._store.repair(record)
        elif record is not None and record.status == RecordStatus.HELD and record.channel:
            digest = Delivery.digest(
                str(record.digest_key), record.enterprise_id, record.channel, record.due_at
            )
            await self._store.add_to_digest(digest, key, now)
        if status != RecordStatus.FAILED.value:
            log.info("delivery_already_recorded", key=key, status=status)
            return
        await self._store.replay(key, now)
        self._dispatcher.wake()
        log.info("delivery_replayed", key=key)

    async def _hold(
        self, enterprise: Enterprise, alert: Delivery, cadence: Cadence, now: datetime
    ) -> bool:
        """Hold the alert for the next digest of its channel, creating that digest if need be."""
        channel = alert.channel or Channel.EMAIL  # an alert of a match always names its channel
        at = next_digest_at(enterprise.preferences, cadence, enterprise.timezone, now)
        digest = Delivery.digest(digest_key(enterprise.id, channel, at), enterprise.id, channel, at)
        held = replace(alert, status=RecordStatus.HELD, due_at=at, digest_key=digest.key)
        if not await self._store.hold(held, now):
            return False
        await self._store.add_to_digest(digest, held.key, now)
        detail = f"{cadence.value} digest at {at.isoformat()}"
        await self._publish(delivery_event(held, DeliveryStatus.DEFERRED, detail))
        return True

    async def _plan_reminders(
        self,
        enterprise: Enterprise,
        match: MatchEvent,
        channels: list[Channel],
        source: Coordinates,
        now: datetime,
    ) -> None:
        uid = match.tender.uid
        every_channel = [reminder_key(uid, enterprise.id, channel) for channel in Channel]
        if match.kind == MatchKind.CANCELLED:
            await self._store.cancel_reminders(every_channel, now, "tender cancelled")
            return
        days = enterprise.preferences.reminder_days
        if days is None:
            return
        due = match.tender.submission_deadline - timedelta(days=days)
        if due <= now:
            # This alert comes that late (or an amendment brought the deadline that close):
            # a reminder would only repeat it.
            await self._store.cancel_reminders(every_channel, now, "deadline too close")
            return
        for channel in channels:
            key = reminder_key(uid, enterprise.id, channel)
            reminder = Delivery.of_match(key, match, channel, source, due, DeliveryType.REMINDER)
            await self._store.schedule_reminder(reminder, now)


@dataclass(frozen=True)
class DeliveryRetry:
    """Retries of a transient failure: `attempts` in all, then the message is failed."""

    attempts: int = 8
    backoff: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(base_seconds=5.0, cap_seconds=900.0)
    )
    lease_seconds: float = 120.0

    @property
    def fence_seconds(self) -> float:
        """Lease time a sender must have left to start a send: half the lease, far above the
        SMTP/SMS timeouts (10 s), so a send that starts ends before anyone may take over."""
        return self.lease_seconds / 2


class Deliverer:
    def __init__(
        self,
        store: SendingStore,
        channels: Mapping[Channel, ChannelSender],
        publish: Publish,
        dead_letter: DeadLetter,
        clock: Clock,
        settler: Settle,
        retry: DeliveryRetry | None = None,
    ) -> None:
        self._settler = settler
        self._store = store
        self._channels = channels
        self._publish = publish
        self._dead_letter = dead_letter
        self._clock = clock
        self._retry = retry or DeliveryRetry()

    async def claim_leased(self, claims: list[Delivery], now: datetime) -> dict[str, Delivery]:
        return await self._store.claim_many_leased(claims, now, self._retry.lease_seconds)

    async def attempt(self, key: str) -> None:
        delivery = await self._store.lease(key, self._clock(), self._retry.lease_seconds)
        if delivery is None:
            return  # not due, settled, or another sender holds it
        await self.deliver(delivery)

    async def deliver(
        self,
        delivery: Delivery,
        enterprise: Enterprise | None = None,
        match: MatchEvent | None = None,
    ) -> None:
        """Send one delivery this sender holds the lease of, and record the outcome.

        `enterprise` is given when it was read a moment ago (the consumer's batch); otherwise
        it is read now, so consent and preferences are those of the moment of sending. `match`
        is the delivery's match event when the caller has it parsed already."""
        structlog.contextvars.bind_contextvars(
            delivery_key=delivery.key, enterprise_id=delivery.enterprise_id
        )
        try:
            if enterprise is None:
                enterprise = await self._store.enterprise(delivery.enterprise_id)
            if match is None:
                match = delivery.match()
            await self._deliver(delivery, enterprise, match)
        finally:
            structlog.contextvars.unbind_contextvars("delivery_key", "enterprise_id")

    async def _deliver(
        self, delivery: Delivery, enterprise: Enterprise | None, match: MatchEvent | None
    ) -> None:
        if enterprise is None:
            await self._settle(delivery, DeliveryStatus.SUPPRESSED, "enterprise removed")
            return
        channel = self._channels.get(delivery.channel) if delivery.channel else None
        if channel is None:
            await self._settle(delivery, DeliveryStatus.SUPPRESSED, "channel not configured")
            return
        contact = channel.contact(enterprise)
        verdict = may_send(enterprise, channel.channel, delivery.profile_id, contact)
        if not verdict.send:
            await self._settle(delivery, DeliveryStatus.SUPPRESSED, verdict.reason)
            return
        if await self._deferred_by_quiet_hours(delivery, enterprise, match):
            return
        if match is None:
            await self._send_digest(delivery, channel, enterprise)
        else:
            await self._send_alert(delivery, channel, enterprise, match)

    async def _deferred_by_quiet_hours(
        self, delivery: Delivery, enterprise: Enterprise, match: MatchEvent | None
    ) -> bool:
        now = self._clock()
        if match is not None and is_urgent(match, now):
            return False
        prefs = enterprise.preferences
        until = quiet_until(prefs.quiet_hours, enterprise.timezone, now)
        if until is None:
            return False
        attempts = delivery.attempts - 1  # a deferral is not a failed attempt
        await self._store.reschedule(delivery.key, until, now, attempts)
        await self._store.release(delivery.key, delivery.lease, now)
        if not delivery.is_digest:
            detail = f"quiet hours until {until.isoformat()}"
            await self._publish(delivery_event(delivery, DeliveryStatus.DEFERRED, detail))
        log.info("delivery_deferred", until=until.isoformat())
        return True

    async def _send_alert(
        self,
        delivery: Delivery,
        channel: ChannelSender,
        enterprise: Enterprise,
        match: MatchEvent,
    ) -> None:
        reminder = delivery.type == DeliveryType.REMINDER
        if reminder:
            blocker = self._reminder_blocker(enterprise, match)
            if blocker:
                await self._settle(delivery, DeliveryStatus.SUPPRESSED, blocker)
                return
        key = delivery.key
        sent = await self._try(
            delivery, lambda: channel.send_alert(enterprise, match, key, reminder=reminder)
        )
        if sent:
            await self._settle(delivery, DeliveryStatus.SENT, "")
            kind = delivery.type.value if delivery.type else None
            log.info("message_sent", channel=channel.channel.value, type=kind)

    def _reminder_blocker(self, enterprise: Enterprise, match: MatchEvent) -> str:
        if enterprise.preferences.reminder_days is None:
            return "reminders turned off"
        if match.tender.submission_deadline <= self._clock():
            return "tender closed"
        return ""

    async def _send_digest(
        self, delivery: Delivery, channel: ChannelSender, enterprise: Enterprise
    ) -> None:
        key, now = delivery.key, self._clock()
        items = await self._store.items(list(delivery.items))
        usable = [
            i for i in items if channel.channel in profile_channels(enterprise, str(i.profile_id))
        ]
        left_out = [i.key for i in items if i not in usable]
        await self._store.settle_items(
            left_out, RecordStatus.SUPPRESSED, now, "profile does not use it"
        )
        if not usable:
            await self._store.settle(
                key, RecordStatus.SUPPRESSED, now, "nothing to send", delivery.attempts
            )
            return
        matches = [m for m in (item.match() for item in usable) if m is not None]
        delivery = replace(delivery, items=tuple(item.key for item in usable))
        if await self._try(delivery, lambda: channel.send_digest(enterprise, matches, key)):
            await self._store.settle_items(
                list(delivery.items), RecordStatus.SENT, now, f"in {key}"
            )
            await self._store.settle(key, RecordStatus.SENT, now, "", delivery.attempts)
            for item in usable:
                await self._publish(delivery_event(item, DeliveryStatus.SENT, f"in {key}"))
            log.info("digest_sent", channel=channel.channel.value, items=len(usable))

    async def _try(self, delivery: Delivery, send: Callable[[], Awaitable[None]]) -> bool:
        """Send once; on failure, schedule the retry or fail for good. True if it went out.

        Sends only while this sender still holds the lease with time to spare: one that
        stalled (a long pause, a slow store) leaves the message to whoever takes it next."""
        fence = self._retry.fence_seconds
        if not await self._store.holds(delivery.key, delivery.lease, self._clock(), fence):
            log.warning(
                "delivery_lease_lost",
                key=delivery.key,
                lease=delivery.lease,
                next="not sent here; the next lease of the outbox sends it",
            )
            return False
        try:
            await send()
        except TransientDeliveryError as exc:
            await self._retry_later(delivery, str(exc))
            return False
        except PermanentDeliveryError as exc:
            await self._fail(delivery, str(exc))
            return False
        return True

    async def _retry_later(self, delivery: Delivery, error: str) -> None:
        attempts = delivery.attempts
        if attempts >= self._retry.attempts:
            await self._fail(delivery, f"failed {attempts} times, last: {error}")
            return
        delay = self._retry.backoff.delay(attempts)
        now = self._clock()
        due = now + timedelta(seconds=delay)
        await self._store.reschedule(delivery.key, due, now, attempts, last_error=error)
        await self._store.release(delivery.key, delivery.lease, now)
        log.warning(
            "delivery_retry",
            operation=f"send by {delivery.channel or 'its channel'}",
            key=delivery.key,
            attempt=attempts,
            max_attempts=self._retry.attempts,
            error=error[:300],
            delay_s=round(delay, 3),
            next=f"retried in {delay:.1f} s",
        )

    async def _fail(self, delivery: Delivery, error: str) -> None:
        await self._settle(delivery, DeliveryStatus.FAILED, error)
        await self._dead_letter(delivery, error)

    async def _settle(self, delivery: Delivery, status: DeliveryStatus, detail: str) -> None:
        key, attempts = delivery.key, delivery.attempts
        if not delivery.is_digest:
            event = delivery_event(delivery, status, detail)
            await self._settler.settle(Outcome(key, status, detail, attempts), event)
            return
        now = self._clock()
        await self._store.settle(key, settled(status), now, detail, attempts)
        items = await self._store.items(list(delivery.items))
        for item in items:
            await self._publish(delivery_event(item, status, detail))
        await self._store.settle_items([i.key for i in items], settled(status), now, detail)
