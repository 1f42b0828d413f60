"""The MongoDB stand-in keeps every acknowledged write when it is killed with SIGKILL.

Writers insert, and update conditionally as ingest does (`{_id, revision}`), as fast as they can;
the server is killed while they are still writing, right after a run of acknowledgements. After a
restart on the same data, every insert and every revision that was acknowledged is there.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from shared.mongo import Document
from tests.stack_clients import PrivateMongo

pytestmark = pytest.mark.integration

WRITERS = 8


async def _write_until_killed(
    url: str, writer: int, inserted: list[str], revisions: dict[str, int], stop: asyncio.Event
) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=2_000, retryWrites=False
    )
    collection = client["durability"]["items"]
    key = f"w{writer}-counter"
    try:
        await collection.insert_one({"_id": key, "revision": 0})
        revisions[key] = 0
        number = 0
        while not stop.is_set():
            number += 1
            document_id = f"w{writer}-{number}"
            await collection.insert_one({"_id": document_id, "body": "x" * 512})
            inserted.append(document_id)  # only once acknowledged
            revision = revisions[key]
            result = await collection.update_one(
                {"_id": key, "revision": revision}, {"$set": {"revision": revision + 1}}
            )
            assert result.modified_count == 1
            revisions[key] = revision + 1
    except PyMongoError:
        pass  # the server was killed under this writer: what it acknowledged is counted
    finally:
        await client.close()


async def test_acknowledged_writes_survive_kill_9(private_mongo: PrivateMongo) -> None:
    inserted: list[str] = []
    revisions: dict[str, int] = {}
    stop = asyncio.Event()
    writers = [
        asyncio.create_task(_write_until_killed(private_mongo.url, n, inserted, revisions, stop))
        for n in range(WRITERS)
    ]
    while len(inserted) < 400:  # kill in the middle of a steady stream of acknowledgements
        await asyncio.sleep(0.01)
        assert not all(task.done() for task in writers), "every writer stopped before the kill"
    private_mongo.kill()
    stop.set()
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(asyncio.gather(*writers), timeout=30)
    acknowledged = list(inserted)
    expected_revisions = dict(revisions)

    private_mongo.start()
    client: AsyncMongoClient[Document] = AsyncMongoClient(private_mongo.url)
    try:
        collection = client["durability"]["items"]
        found = {document["_id"] async for document in collection.find({}, {"_id": 1})}
        missing = [key for key in acknowledged if key not in found]
        assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged inserts lost"
        for key, revision in expected_revisions.items():
            stored = await collection.find_one({"_id": key})
            assert stored is not None, f"{key} lost"
            assert stored["revision"] >= revision, f"{key}: revision {revision} acknowledged"
    finally:
        await client.close()
