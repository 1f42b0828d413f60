"""The matcher's consumer path in memory (FastStream's TestKafkaBroker): a tender event is
matched, a failing one retried, a poison or hopeless one dead-lettered and the consumer goes on.
The same path against the real broker: tests/integration/test_dead_letters.py."""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker, TestKafkaBroker

from matcher.bootstrap import subscribe_tenders
from matcher.service import TenderMatcher
from matcher.settings import MatcherSettings
from shared.events import TENDERS_TOPIC, MatchEvent, TenderEvent, TenderEventKind
from shared.kafka.consumer import RetryPolicy
from tests.dead_letter_inbox import DeadLetterInbox
from tests.factories import NOW, make_enterprise, make_tender
from tests.fakes import AnnouncedChanges, InMemoryMatcherStore, ManualClock, RecordingMatchPublisher

SETTINGS = MatcherSettings(topic_prefix="")
TENDERS = SETTINGS.topic(TENDERS_TOPIC)
NO_WAIT = RetryPolicy(attempts=3, base_seconds=0, cap_seconds=0)


class FailingFirst(RecordingMatchPublisher):
    """Refuses the first `failures` batches, then publishes."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.attempts = 0

    async def publish(self, matches: Sequence[MatchEvent]) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError("kafka unreachable")
        await super().publish(matches)


class Consumer:
    def __init__(self, publisher: RecordingMatchPublisher) -> None:
        self.store = InMemoryMatcherStore([make_enterprise()])
        self.publisher = publisher
        self.matcher = TenderMatcher(self.store, publisher, AnnouncedChanges(), ManualClock(NOW))
        self.broker = KafkaBroker()
        subscribe_tenders(self.broker, SETTINGS, self.matcher, NO_WAIT)

        self.dead = DeadLetterInbox(self.broker, TENDERS).letters


def _event() -> TenderEvent:
    return TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())


async def test_a_tender_event_is_matched_and_published() -> None:
    consumer = Consumer(RecordingMatchPublisher())
    await consumer.matcher.load_all()
    event = _event()
    async with TestKafkaBroker(consumer.broker) as broker:
        await broker.publish(event.model_dump_json().encode(), topic=TENDERS, key=b"k")
    assert [m.tender.uid for m in consumer.publisher.events] == [event.tender.uid]
    assert consumer.dead == []


async def test_a_failing_tender_is_retried_until_it_goes_through() -> None:
    consumer = Consumer(publisher := FailingFirst(failures=2))
    await consumer.matcher.load_all()
    async with TestKafkaBroker(consumer.broker) as broker:
        await broker.publish(_event().model_dump_json().encode(), topic=TENDERS, key=b"k")
    assert publisher.attempts == 3
    assert len(publisher.events) == 1
    assert consumer.dead == []


async def test_a_tender_that_still_fails_is_dead_lettered_with_why() -> None:
    consumer = Consumer(publisher := FailingFirst(failures=99))
    await consumer.matcher.load_all()
    body = _event().model_dump_json().encode()
    async with TestKafkaBroker(consumer.broker) as broker:
        await broker.publish(body, topic=TENDERS, key=b"k")
    assert publisher.attempts == NO_WAIT.attempts
    [(dead_body, headers)] = consumer.dead
    assert dead_body == body
    assert headers["x-vigie-source-topic"] == TENDERS
    assert headers["x-vigie-attempts"] == "3"
    assert "kafka unreachable" in headers["x-vigie-error"]
    assert len(consumer.store.matches) == 1  # stored before the publication that failed


async def test_a_poison_tender_is_dead_lettered_at_once_and_the_next_one_matched() -> None:
    consumer = Consumer(RecordingMatchPublisher())
    await consumer.matcher.load_all()
    poison = b'{"kind": "published", "tender": 42}'
    async with TestKafkaBroker(consumer.broker) as broker:
        await broker.publish(poison, topic=TENDERS, key=b"poison")
        await broker.publish(_event().model_dump_json().encode(), topic=TENDERS, key=b"k")
    [(dead_body, headers)] = consumer.dead
    assert dead_body == poison
    assert headers["x-vigie-error"].startswith("cannot parse:")
    assert headers["x-vigie-attempts"] == "1"
    assert len(consumer.publisher.events) == 1
