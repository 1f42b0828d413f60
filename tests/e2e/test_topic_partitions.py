"""Topics get `VIGIE_TOPIC_PARTITIONS` partitions, and every record carries the key whose order
matters (tender uid on tenders, enterprise id on matches and deliveries), so a tender's revisions
and an enterprise's alerts stay in order whichever instance holds their partition."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from pymongo.asynchronous.database import AsyncDatabase

from shared.events import DELIVERIES_TOPIC, MATCHES_TOPIC, TENDERS_TOPIC
from shared.kafka.topics import all_topics, partitions_of
from shared.mongo import Document
from tests.factories import make_enterprise, tender_data
from tests.pipeline import running_pipeline
from tests.stack_clients import MailSink, StackEndpoints, read_all, wait_until_consumed
from vigie.enterprise_store import upsert_enterprises


async def test_topics_have_the_configured_partitions_and_records_their_ordering_key(
    stack: StackEndpoints,
    namespace: str,
    db: AsyncDatabase[Document],
    mail: MailSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VIGIE_TOPIC_PARTITIONS", "4")
    enterprises = [make_enterprise() for _ in range(4)]
    await upsert_enterprises(db, enterprises)
    tenders = [tender_data(title=f"Entretien {n} {namespace}") for n in range(3)]

    async with running_pipeline(stack, namespace) as pipeline:
        async with pipeline.ingest_client() as client:
            for tender in tenders:
                assert (await client.post("/v1/tenders", json=tender)).status_code == 202
            for tender in tenders:  # an amendment: revision 2 of each, after revision 1
                amended = {**tender, "description": "Entretien de 14 bâtiments."}
                assert (await client.post("/v1/tenders", json=amended)).status_code == 202
        for enterprise in enterprises:
            await mail.wait_for(str(enterprise.contacts.email), count=6, within=60)
        await wait_until_consumed(
            stack.kafka_bootstrap, f"{namespace}-notifier", pipeline.topic(MATCHES_TOPIC)
        )

        for topic in all_topics(pipeline.topic("")):
            assert await partitions_of(stack.kafka_bootstrap, topic) == [0, 1, 2, 3], topic
        tenders_read = await read_all(stack.kafka_bootstrap, pipeline.topic(TENDERS_TOPIC))
        matches_read = await read_all(stack.kafka_bootstrap, pipeline.topic(MATCHES_TOPIC))
        deliveries = await read_all(stack.kafka_bootstrap, pipeline.topic(DELIVERIES_TOPIC))

    assert len(tenders_read) == 6
    assert len(matches_read) == 24  # 6 revisions × 4 enterprises
    revisions: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for record in tenders_read:
        event = json.loads(record.value)
        uid = f"{event['tender']['source']}:{event['tender']['source_id']}"
        assert record.key == uid.encode()
        revisions[uid].append((record.partition, record.offset, event["tender"]["revision"]))
    for uid, seen in revisions.items():
        assert len({partition for partition, _, _ in seen}) == 1, uid
        assert [revision for _, _, revision in sorted(seen)] == [1, 2], uid
    by_enterprise: dict[str, set[int]] = defaultdict(set)
    for record in [*matches_read, *deliveries]:
        enterprise_id = json.loads(record.value)["enterprise_id"]
        assert record.key == enterprise_id.encode()
        by_enterprise[enterprise_id].add(record.partition)
    assert sorted(by_enterprise) == sorted(e.id for e in enterprises)
    assert all(len(partitions) == 1 for partitions in by_enterprise.values())
