"""The notifier's consumer path in memory (FastStream's TestKafkaBroker): a batch of matches is
recorded and sent, a failing batch retried, what cannot succeed dead-lettered alone while the
rest of its batch goes through, and a delivery that fails for good dead-lettered from the outbox
with its source. The same paths against the real broker: tests/integration/notifier."""

from __future__ import annotations

from faststream.kafka import KafkaBroker, TestKafkaBroker

from notifier.bootstrap import subscribe_matches
from notifier.dead_letter import kafka_dead_letter
from notifier.delivery_errors import PermanentDeliveryError
from notifier.service import Deliverer, DeliveryRetry, Notifier, delivery_key
from notifier.settings import NotifierSettings
from notifier.settler import Settler
from shared.enterprises import Enterprise
from shared.events import MATCHES_TOPIC, Channel, MatchEvent
from shared.kafka.consumer import RetryPolicy
from tests.dead_letter_inbox import DeadLetterInbox
from tests.factories import NOW, make_enterprise
from tests.fakes import (
    InlineDispatch,
    InMemoryDeliveries,
    ManualClock,
    RecordingDeliveryEvents,
    ScriptedChannel,
)
from tests.unit.notifier.builders import a_match

SETTINGS = NotifierSettings(topic_prefix="")
MATCHES = SETTINGS.topic(MATCHES_TOPIC)
NO_WAIT = RetryPolicy(attempts=3, base_seconds=0, cap_seconds=0)


class FailingFirst(InMemoryDeliveries):
    """Cannot read enterprises the first `failures` times (a MongoDB outage), then can."""

    def __init__(self, enterprise: Enterprise, failures: int) -> None:
        super().__init__([enterprise])
        self.failures = failures
        self.reads = 0

    async def enterprises(self, enterprise_ids: list[str]) -> dict[str, Enterprise]:
        self.reads += 1
        if self.reads <= self.failures:
            raise ConnectionError("mongodb unreachable")
        return await super().enterprises(enterprise_ids)


class Consumer:
    def __init__(self, store: InMemoryDeliveries, email: ScriptedChannel) -> None:
        self.store, self.email = store, email
        self.broker = KafkaBroker()
        clock, events = ManualClock(NOW), RecordingDeliveryEvents()
        channels = {Channel.EMAIL: email}
        deliverer = Deliverer(
            store,
            channels,
            events,
            kafka_dead_letter(self.broker, MATCHES),
            clock,
            Settler(store, events, clock),
            DeliveryRetry(attempts=1),
        )
        notifier = Notifier(store, channels, events, deliverer, InlineDispatch(), clock)
        subscribe_matches(self.broker, SETTINGS, notifier, NO_WAIT)

        self.dead = DeadLetterInbox(self.broker, MATCHES).letters

    async def consume(self, *bodies: bytes) -> None:
        """The bodies published together (one batch), consumed in memory."""
        async with TestKafkaBroker(self.broker) as broker:
            await broker.publish_batch(*bodies, topic=MATCHES)


def _body(match: MatchEvent) -> bytes:
    return match.model_dump_json().encode()


async def test_a_match_is_recorded_and_sent() -> None:
    enterprise = make_enterprise()
    match = a_match(enterprise)
    consumer = Consumer(InMemoryDeliveries([enterprise]), ScriptedChannel(Channel.EMAIL))
    await consumer.consume(_body(match))
    key = delivery_key(match, Channel.EMAIL)
    assert consumer.email.sent == [key]
    assert consumer.store.records[key]["status"] == "sent"
    assert consumer.store.records[key]["source"]["topic"] == MATCHES
    assert consumer.dead == []


async def test_a_failing_batch_is_retried_until_it_goes_through() -> None:
    enterprise = make_enterprise()
    match = a_match(enterprise)
    consumer = Consumer(store := FailingFirst(enterprise, 2), ScriptedChannel(Channel.EMAIL))
    await consumer.consume(_body(match))
    assert store.reads == 3
    assert consumer.email.sent == [delivery_key(match, Channel.EMAIL)]
    assert consumer.dead == []


async def test_a_match_that_still_fails_is_dead_lettered_with_why() -> None:
    enterprise = make_enterprise()
    match = a_match(enterprise)
    consumer = Consumer(store := FailingFirst(enterprise, 99), ScriptedChannel(Channel.EMAIL))
    await consumer.consume(_body(match))
    # A batch of one is the record alone: its attempts, then its dead letter.
    assert store.reads == NO_WAIT.attempts
    [(body, headers)] = consumer.dead
    assert body == _body(match)
    assert headers["x-vigie-source-topic"] == MATCHES
    assert headers["x-vigie-attempts"] == str(NO_WAIT.attempts)
    assert "mongodb unreachable" in headers["x-vigie-error"]
    assert consumer.email.sent == []
    assert store.records == {}


async def test_what_cannot_succeed_is_dead_lettered_alone_and_the_rest_of_its_batch_sent() -> None:
    enterprise = make_enterprise()
    good, stray = a_match(enterprise), a_match(make_enterprise(id="ent-gone"))
    poison = b'{"kind": "new", "tender": 42}'
    consumer = Consumer(InMemoryDeliveries([enterprise]), ScriptedChannel(Channel.EMAIL))
    await consumer.consume(poison, _body(stray), _body(good))
    assert consumer.email.sent == [delivery_key(good, Channel.EMAIL)]
    errors = {body: headers["x-vigie-error"] for body, headers in consumer.dead}
    assert errors.keys() == {poison, _body(stray)}
    assert errors[poison].startswith("cannot parse:")
    assert errors[_body(stray)] == "permanent failure: enterprise 'ent-gone' does not exist"
    assert {headers["x-vigie-attempts"] for _, headers in consumer.dead} == {"1"}


async def test_a_delivery_that_fails_for_good_is_dead_lettered_with_its_key_and_source() -> None:
    enterprise = make_enterprise()
    match = a_match(enterprise)
    refused = PermanentDeliveryError("SMTP 550 no such user")
    consumer = Consumer(InMemoryDeliveries([enterprise]), ScriptedChannel(Channel.EMAIL, [refused]))
    await consumer.consume(_body(match))
    key = delivery_key(match, Channel.EMAIL)
    assert consumer.store.records[key]["status"] == "failed"
    [(body, headers)] = consumer.dead
    assert body == _body(match)  # replayable as it is (`vigie dlq replay`)
    assert headers["x-vigie-delivery-key"] == key
    assert headers["x-vigie-source-topic"] == MATCHES
    assert headers["x-vigie-source-partition"].isdigit()
    assert headers["x-vigie-source-offset"].isdigit()
    assert headers["x-vigie-error"] == "SMTP 550 no such user"
