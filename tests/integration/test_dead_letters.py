"""A poison message on a consumed topic goes to its `.dlq` with the reason; the consumer goes on."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from matcher.decisions import plan_matches
from shared.events import MATCHES_TOPIC, TENDERS_TOPIC, TenderEvent, TenderEventKind
from shared.kafka.topics import dlq_topic
from shared.mongo import Document
from tests.factories import make_enterprise, make_tender
from tests.pipeline import running_pipeline
from tests.stack_clients import MailSink, StackEndpoints, produce, read_topic
from vigie.dead_letters import DeadLetter, list_dead_letters, replay_dead_letters
from vigie.enterprise_store import upsert_enterprises


def _headers(record: object) -> dict[str, str]:
    return {key: value.decode() for key, value in record.headers}  # type: ignore[attr-defined]


async def test_poison_tender_is_dead_lettered_and_matching_goes_on(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    await upsert_enterprises(db, [make_enterprise()])
    async with running_pipeline(stack, namespace, ingest=False, notifier=False) as pipeline:
        tenders = pipeline.topic(TENDERS_TOPIC)
        await produce(
            stack.kafka_bootstrap, tenders, b'{"kind": "published", "tender": 42}', key=b"poison"
        )
        event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
        await produce(
            stack.kafka_bootstrap, tenders, event.model_dump_json().encode(), key=event.key.encode()
        )
        [dead] = await read_topic(stack.kafka_bootstrap, dlq_topic(tenders), 1, within=30)
        matches = await read_topic(stack.kafka_bootstrap, pipeline.topic(MATCHES_TOPIC), 1)

    headers = _headers(dead)
    assert dead.value == b'{"kind": "published", "tender": 42}'
    assert headers["x-vigie-source-topic"] == tenders
    assert headers["x-vigie-source-offset"].isdigit()
    assert headers["x-vigie-source-partition"].isdigit()
    assert headers["x-vigie-error"].startswith("cannot parse:")
    assert "tender" in headers["x-vigie-error"]
    assert len(matches) == 1


async def test_poison_match_is_dead_lettered_and_mail_goes_on(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    enterprise = make_enterprise()
    await upsert_enterprises(db, [enterprise])
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    [match] = plan_matches(event, [enterprise], {}, datetime.now(UTC))
    async with running_pipeline(stack, namespace, ingest=False, matcher=False) as pipeline:
        matches = pipeline.topic(MATCHES_TOPIC)
        await produce(stack.kafka_bootstrap, matches, b"\xff\xfe not even text", key=b"x")
        await produce(
            stack.kafka_bootstrap, matches, match.model_dump_json().encode(), key=match.key.encode()
        )
        [dead] = await read_topic(stack.kafka_bootstrap, dlq_topic(matches), 1, within=30)
        emails = await mail.wait_for(str(enterprise.contacts.email), count=1)

    assert _headers(dead)["x-vigie-source-topic"] == matches
    assert _headers(dead)["x-vigie-error"].startswith("cannot parse:")
    assert len(emails) == 1


async def test_operators_list_and_replay_a_dead_letter_topic(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    async with running_pipeline(stack, namespace, ingest=False, notifier=False) as pipeline:
        tenders = pipeline.topic(TENDERS_TOPIC)
        await produce(stack.kafka_bootstrap, tenders, b"[1, 2]", key=b"poison")
        await read_topic(stack.kafka_bootstrap, dlq_topic(tenders), 1, within=30)
        [letter] = await list_dead_letters(stack.kafka_bootstrap, dlq_topic(tenders))
        replayed: list[DeadLetter] = []
        count = await replay_dead_letters(
            stack.kafka_bootstrap, dlq_topic(tenders), replayed.append
        )
        # Still poison: the matcher dead-letters it a second time, and only that one is new.
        again = await read_topic(stack.kafka_bootstrap, dlq_topic(tenders), 2, within=30)
        second = await replay_dead_letters(
            stack.kafka_bootstrap, dlq_topic(tenders), replayed.append
        )

    assert (letter.value, letter.source_topic) == (b"[1, 2]", tenders)
    assert letter.error.startswith("cannot parse:")
    assert count == 1
    assert len(again) == 2
    assert second == 1
    assert [r.offset for r in replayed] == sorted(r.offset for r in again)
