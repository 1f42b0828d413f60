"""Redelivered events change nothing: one email per match, one match per revision."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from matcher.decisions import plan_matches
from shared.events import MATCHES_TOPIC, TENDERS_TOPIC, MatchEvent, TenderEvent, TenderEventKind
from shared.mongo import Document
from tests.factories import make_enterprise, make_tender
from tests.pipeline import running_pipeline
from tests.stack_clients import MailSink, StackEndpoints, produce, read_topic
from vigie.enterprise_store import upsert_enterprises


async def test_same_match_consumed_twice_sends_one_email(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise()
    await upsert_enterprises(db, [enterprise])
    first = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender(title="Premier"))
    sentinel = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender(title="Témoin"))
    [match] = plan_matches(first, [enterprise], {}, datetime.now(UTC))
    [after] = plan_matches(sentinel, [enterprise], {}, datetime.now(UTC))
    async with running_pipeline(stack, namespace, ingest=False, matcher=False) as pipeline:
        topic = pipeline.topic(MATCHES_TOPIC)
        for event in (match, match, after):  # same key: one partition, consumed in this order
            await produce(
                stack.kafka_bootstrap,
                topic,
                event.model_dump_json().encode(),
                key=event.key.encode(),
            )
        emails = await mail.wait_for(str(enterprise.contacts.email), count=2)

    assert sorted(e["subject"].split(" — ")[0] for e in emails) == ["Premier", "Témoin"]
    assert await db["deliveries"].count_documents({"status": "sent"}) == 2


async def test_same_tender_consumed_twice_matches_once(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprise = make_enterprise()
    await upsert_enterprises(db, [enterprise])
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    async with running_pipeline(stack, namespace, ingest=False, notifier=False) as pipeline:
        for _ in range(2):
            await produce(
                stack.kafka_bootstrap,
                pipeline.topic(TENDERS_TOPIC),
                event.model_dump_json().encode(),
                key=event.key.encode(),
            )
        published = await read_topic(stack.kafka_bootstrap, pipeline.topic(MATCHES_TOPIC), 2)

    assert await db["matches"].count_documents({}) == 1
    # Both deliveries republish the very same event, which the notifier's key then folds.
    assert len({MatchEvent.model_validate_json(r.value).event_id for r in published}) == 1
