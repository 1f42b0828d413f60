"""The notifier's use cases (`Notifier`, `Deliverer`) against in-memory fakes and a manual clock:
no Kafka, MongoDB, SMTP or SMS provider. The adapters are proven in tests/integration/notifier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from notifier.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifier.service import Deliverer, DeliveryRetry, Notifier, delivery_key
from notifier.settler import Settler
from shared.enterprises import Enterprise
from shared.events import Channel, DeliveryStatus, MatchEvent
from shared.kafka.consumer import RetryPolicy
from shared.kafka.coordinates import Consumed, Coordinates
from tests.factories import NOW, make_enterprise
from tests.fakes import (
    InlineDispatch,
    InMemoryDeliveries,
    ManualClock,
    RecordingDeadLetters,
    RecordingDeliveryEvents,
    ScriptedChannel,
)
from tests.unit.notifier.builders import a_match

MATCHES = "vigie.matches.v1"
RETRY = DeliveryRetry(attempts=3, backoff=RetryPolicy(base_seconds=5.0, cap_seconds=60.0))


@dataclass
class Rig:
    store: InMemoryDeliveries
    email: ScriptedChannel
    events: RecordingDeliveryEvents
    dead_letters: RecordingDeadLetters
    clock: ManualClock
    notifier: Notifier
    deliverer: Deliverer

    async def consume(self, match: MatchEvent, offset: int = 1) -> None:
        await self.notifier.handle_batch([Consumed(match, Coordinates(MATCHES, 0, offset))])

    def status(self, key: str) -> str:
        return str(self.store.records[key]["status"])


def rig(enterprise: Enterprise, failures: list[Exception] | None = None) -> Rig:
    store = InMemoryDeliveries([enterprise])
    email = ScriptedChannel(Channel.EMAIL, failures or [])
    events, dead_letters = RecordingDeliveryEvents(), RecordingDeadLetters()
    clock = ManualClock(NOW)
    channels = {Channel.EMAIL: email}
    settler = Settler(store, events, clock)
    deliverer = Deliverer(store, channels, events, dead_letters, clock, settler, RETRY)
    notifier = Notifier(store, channels, events, deliverer, InlineDispatch(), clock)
    return Rig(store, email, events, dead_letters, clock, notifier, deliverer)


def an_alert(enterprise: Enterprise) -> tuple[MatchEvent, str]:
    """A match for `enterprise`, and the key of its email delivery."""
    match = a_match(enterprise)
    return match, delivery_key(match, Channel.EMAIL)


async def test_an_instant_alert_is_sent_once_and_recorded() -> None:
    enterprise = make_enterprise()
    match, key = an_alert(enterprise)
    r = rig(enterprise)

    await r.consume(match)

    assert r.email.sent == [key]
    assert r.status(key) == "sent"
    assert r.store.outbox == {}
    assert [(e.idempotency_key, e.status) for e in r.events.events] == [(key, DeliveryStatus.SENT)]


async def test_a_redelivered_match_sends_nothing() -> None:
    enterprise = make_enterprise()
    match = a_match(enterprise)
    r = rig(enterprise)

    await r.consume(match, offset=1)
    await r.consume(match, offset=1)  # Kafka delivered it again
    await r.notifier.handle_batch(
        [Consumed(match, Coordinates(MATCHES, 0, 2)), Consumed(match, Coordinates(MATCHES, 0, 3))]
    )

    assert r.email.sent == [delivery_key(match, Channel.EMAIL)]
    assert len(r.events.events) == 1


async def test_a_transient_failure_is_rescheduled_with_backoff_then_sent() -> None:
    enterprise = make_enterprise()
    match, key = an_alert(enterprise)
    r = rig(enterprise, [TransientDeliveryError("SMTP 451 try later")])

    await r.consume(match)

    assert r.email.sent == []
    assert r.status(key) == "scheduled"
    assert r.store.records[key]["last_error"] == "SMTP 451 try later"
    entry = r.store.outbox[key]
    assert entry["state"] == "scheduled"
    assert entry["attempts"] == 1
    assert NOW <= entry["ready_at"] <= NOW + timedelta(seconds=RETRY.backoff.cap_seconds)
    assert r.events.events == []

    r.clock.advance(timedelta(seconds=RETRY.backoff.cap_seconds))
    assert await r.store.due(r.clock(), 10) == [key]
    await r.deliverer.attempt(key)

    assert r.email.sent == [key]
    assert r.status(key) == "sent"
    assert r.store.records[key]["attempts"] == 2
    assert r.dead_letters.letters == []


async def test_a_transient_failure_that_persists_fails_after_its_attempts() -> None:
    enterprise = make_enterprise()
    match, key = an_alert(enterprise)
    r = rig(enterprise, [TransientDeliveryError("timeout")] * RETRY.attempts)

    await r.consume(match)
    for _ in range(RETRY.attempts - 1):
        r.clock.advance(timedelta(seconds=RETRY.backoff.cap_seconds))
        await r.deliverer.attempt(key)

    assert r.status(key) == "failed"
    assert [k for k, _ in r.dead_letters.letters] == [key]
    assert r.dead_letters.letters[0][1].startswith(f"failed {RETRY.attempts} times")


async def test_a_permanent_failure_is_recorded_failed_and_dead_lettered() -> None:
    enterprise = make_enterprise()
    match, key = an_alert(enterprise)
    r = rig(enterprise, [PermanentDeliveryError("SMTP 550 no such user")])

    await r.consume(match)

    assert r.email.sent == []
    assert r.status(key) == "failed"
    assert r.store.outbox == {}
    assert r.dead_letters.letters == [(key, "SMTP 550 no such user")]
    [event] = r.events.events
    assert (event.status, event.detail) == (DeliveryStatus.FAILED, "SMTP 550 no such user")


async def test_quiet_hours_defer_the_alert_to_their_end() -> None:
    # NOW is 10:00 in Toronto: inside 09:00–12:00, which ends at 17:00 UTC.
    enterprise = make_enterprise(preferences={"quiet_hours": {"start": "09:00", "end": "12:00"}})
    match, key = an_alert(enterprise)
    r = rig(enterprise)

    await r.consume(match)

    end = NOW.replace(hour=17)
    assert r.email.sent == []
    assert r.status(key) == "scheduled"
    assert r.store.outbox[key]["ready_at"] == end
    assert r.store.outbox[key]["attempts"] == 0  # a deferral is not a failed attempt
    [event] = r.events.events
    assert event.status == DeliveryStatus.DEFERRED

    r.clock.advance(end - NOW)
    await r.deliverer.attempt(key)
    assert r.email.sent == [key]
    assert r.status(key) == "sent"


async def test_consent_withdrawn_before_sending_suppresses_the_message() -> None:
    enterprise = make_enterprise(preferences={"quiet_hours": {"start": "09:00", "end": "12:00"}})
    match, key = an_alert(enterprise)
    r = rig(enterprise)
    await r.consume(match)  # deferred past the quiet hours

    withdrawn = enterprise.model_copy(update={"consent": {}})
    r.store.enterprise_items[enterprise.id] = withdrawn  # unsubscribed meanwhile
    r.clock.advance(timedelta(hours=2))
    await r.deliverer.attempt(key)

    assert r.email.sent == []
    assert r.status(key) == "suppressed"
    assert r.store.outbox == {}
    assert [e.status for e in r.events.events] == [
        DeliveryStatus.DEFERRED,
        DeliveryStatus.SUPPRESSED,
    ]


async def test_a_match_without_consent_is_recorded_suppressed() -> None:
    enterprise = make_enterprise()
    match, key = an_alert(enterprise)
    r = rig(enterprise.model_copy(update={"consent": {}}))  # withdrawn since it was matched

    await r.consume(match)

    assert r.email.sent == []
    assert r.status(key) == "suppressed"
    assert r.dead_letters.letters == []
