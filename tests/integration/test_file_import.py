"""Importing the whole corpus through the real MongoDB and Kafka: counted, idempotent."""

from __future__ import annotations

from pathlib import Path

from pymongo.asynchronous.database import AsyncDatabase

from ingest.bootstrap import bootstrap_runtime
from ingest.importer import ImportSummary, NoticeImporter, notice_files
from ingest.settings import IngestSettings
from shared.events import TENDERS_TOPIC, TenderEvent, TenderEventKind
from shared.mongo import Document
from tests.pipeline import namespace_settings
from tests.stack_clients import StackEndpoints, read_all
from tests.unit.formats.corpus import CORPUS


async def _import_corpus(stack: StackEndpoints, namespace: str) -> ImportSummary:
    runtime = bootstrap_runtime(IngestSettings(**namespace_settings(stack, namespace)))
    await runtime.start()
    try:
        files = list(notice_files([CORPUS]))
        return await NoticeImporter(runtime.intake, "file-import").run(
            files, ImportSummary(), on_file=lambda _: None
        )
    finally:
        await runtime.stop()


async def test_corpus_import_is_counted_and_a_second_run_changes_nothing(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    first = await _import_corpus(stack, namespace)
    second = await _import_corpus(stack, namespace)
    # Every publish was acknowledged before the import returned: the topic is complete.
    events = await read_all(stack.kafka_bootstrap, f"{namespace}.{TENDERS_TOPIC}")

    published = first.counts["accepted"] + first.counts["amended"] + first.counts["cancelled"]
    assert first.counts["accepted"] >= 20
    assert first.counts["skipped"] >= 8  # award-only and planning notices
    assert {ref.split("#")[0] for ref, _ in first.rejected} == {
        Path(name).name for name in ["ua-prozorro_tender_cancelled_UA-2016-12-29-000657-c.json"]
    }
    notices = published + first.counts["unchanged"]
    assert second.counts["unchanged"] == notices
    assert second.counts["accepted"] == second.counts["amended"] == 0
    assert len(events) == published
    kinds = [TenderEvent.model_validate_json(r.value).kind for r in events]
    assert kinds.count(TenderEventKind.AMENDED) == first.counts["amended"]
    assert (
        await db["tenders"].count_documents({})
        == first.counts["accepted"] + first.counts["cancelled"]
    )
