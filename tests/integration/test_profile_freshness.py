"""Profiles created or changed take effect in the running matcher, without restarts: at once
when announced on `vigie.enterprises.v1`, at the next full reload when not."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from shared.events import (
    MATCHES_TOPIC,
    TENDERS_TOPIC,
    Channel,
    MatchEvent,
    TenderEvent,
    TenderEventKind,
)
from shared.mongo import Document
from tests.factories import enterprise_data, make_enterprise, make_tender
from tests.pipeline import Pipeline, running_pipeline, write_enterprises
from tests.stack_clients import StackEndpoints, produce, read_all, wait_until_consumed
from vigie.enterprise_store import upsert_enterprises


async def _matched_by_a_new_tender(
    stack: StackEndpoints, pipeline: Pipeline, within: float
) -> list[str]:
    """Publish a Longueuil cleaning tender; every enterprise it is matched to, read once the
    matcher has consumed it (its matches are published before it commits)."""
    event = TenderEvent(kind=TenderEventKind.PUBLISHED, tender=make_tender())
    tenders = pipeline.topic(TENDERS_TOPIC)
    await produce(
        stack.kafka_bootstrap, tenders, event.model_dump_json().encode(), key=event.key.encode()
    )
    await wait_until_consumed(
        stack.kafka_bootstrap, f"{pipeline.namespace}-matcher", tenders, within=within
    )
    records = await read_all(stack.kafka_bootstrap, pipeline.topic(MATCHES_TOPIC))
    return [MatchEvent.model_validate_json(r.value).enterprise_id for r in records]


async def _until(condition: Callable[[], bool], within: float) -> float:
    """Seconds until `condition` holds; fails after `within`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < within, "not within the bound"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def test_new_and_paused_enterprises_are_applied_from_their_announcements(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    early = make_enterprise()
    await upsert_enterprises(db, [early])
    async with running_pipeline(stack, namespace, ingest=False, notifier=False) as pipeline:
        assert pipeline.matcher is not None
        catalogue = pipeline.matcher.matcher.catalogue
        assert catalogue.known([early.id])
        newcomer = make_enterprise()
        paused = make_enterprise(**{**enterprise_data(), "id": early.id, "status": "paused"})
        await write_enterprises(stack, namespace, [newcomer, paused])
        await _until(lambda: len(catalogue) == 1 and bool(catalogue.known([newcomer.id])), 5)
        matched = await _matched_by_a_new_tender(stack, pipeline, within=8)
    assert matched == [newcomer.id]


async def test_a_tender_published_right_after_a_profile_change_sees_it(
    stack: StackEndpoints, namespace: str
) -> None:
    async with running_pipeline(stack, namespace, ingest=False, notifier=False) as pipeline:
        enterprise = make_enterprise()
        await write_enterprises(stack, namespace, [enterprise])
        matched = await _matched_by_a_new_tender(stack, pipeline, within=15)
    assert matched == [enterprise.id]


async def test_a_change_never_announced_is_applied_by_the_full_reload(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    async with running_pipeline(
        stack, namespace, ingest=False, notifier=False, matcher_full_reload_seconds=1.0
    ) as pipeline:
        assert pipeline.matcher is not None
        catalogue = pipeline.matcher.matcher.catalogue
        silent = make_enterprise()
        await upsert_enterprises(db, [silent])  # written, not announced
        await _until(lambda: bool(catalogue.known([silent.id])), 10)


async def test_a_consent_withdrawn_in_the_preference_centre_reaches_the_matcher(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    enterprise = make_enterprise()
    await upsert_enterprises(db, [enterprise])
    async with running_pipeline(stack, namespace, ingest=False) as pipeline:
        assert pipeline.matcher is not None
        assert pipeline.notifier is not None
        catalogue = pipeline.matcher.matcher.catalogue
        assert catalogue.known([enterprise.id])[0].consents_to("email")

        await pipeline.notifier.preferences.set_consent(
            enterprise.id, Channel.EMAIL, False, "preference centre", datetime.now(UTC)
        )

        def withdrawn() -> bool:
            held = catalogue.known([enterprise.id])
            return bool(held) and not held[0].consents_to("email")

        await _until(withdrawn, 5)
