"""Profiles created or changed in MongoDB take effect in the running matcher, without restarts."""

from __future__ import annotations

import asyncio

from pymongo.asynchronous.database import AsyncDatabase

from shared.events import MATCHES_TOPIC, TENDERS_TOPIC, MatchEvent, TenderEvent, TenderEventKind
from shared.mongo import Document
from tests.factories import enterprise_data, make_enterprise, make_tender
from tests.pipeline import Pipeline, running_pipeline
from tests.stack_clients import StackEndpoints, produce, read_topic
from vigie.enterprise_store import upsert_enterprises


async def _matched_by_a_new_tender(
    stack: StackEndpoints, pipeline: Pipeline, expected: int, within: float
) -> list[str]:
    """Publish a Longueuil cleaning tender; the enterprises it is matched to (up to `expected`)."""
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    await produce(
        stack.kafka_bootstrap,
        pipeline.topic(TENDERS_TOPIC),
        event.model_dump_json().encode(),
        key=event.key.encode(),
    )
    records = await read_topic(
        stack.kafka_bootstrap, pipeline.topic(MATCHES_TOPIC), expected, within=within
    )
    return [MatchEvent.model_validate_json(r.value).enterprise_id for r in records]


async def test_new_and_paused_enterprises_are_seen_by_the_poll(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    early = make_enterprise()
    await upsert_enterprises(db, [early])
    async with running_pipeline(
        stack, namespace, ingest=False, notifier=False, matcher_refresh_seconds=1.0
    ) as pipeline:
        assert pipeline.matcher is not None
        catalogue = pipeline.matcher.matcher.catalogue
        newcomer = make_enterprise()
        await upsert_enterprises(
            db,
            [
                newcomer,
                make_enterprise(**{**enterprise_data(), "id": early.id, "status": "paused"}),
            ],
        )
        for _ in range(50):  # the poll runs every second; give it up to 5 s
            if len(catalogue) == 1 and catalogue.known([newcomer.id]):
                break
            await asyncio.sleep(0.1)
        matched = await _matched_by_a_new_tender(stack, pipeline, expected=2, within=8)
    assert matched == [newcomer.id]


async def test_a_tender_published_right_after_a_profile_change_sees_it(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    async with running_pipeline(
        stack, namespace, ingest=False, notifier=False, matcher_refresh_seconds=60.0
    ) as pipeline:
        await asyncio.sleep(0.5)  # the catalogue was loaded empty at start, and polls each minute
        enterprise = make_enterprise()
        await upsert_enterprises(db, [enterprise])
        matched = await _matched_by_a_new_tender(stack, pipeline, expected=1, within=15)
    assert matched == [enterprise.id]
