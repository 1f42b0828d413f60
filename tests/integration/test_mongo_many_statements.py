"""The MongoDB stand-in answers an update command of more statements than its connection pool
holds (FerretDB's SQLite pool: 100). Upstream kept each statement's rows open until the whole
command ended and hung for good past 100 (deploy/vigie_stack/ferretdb/
update-statements-close-their-rows.patch); the matcher writes a batch's history this way.

On a private server: were the patch missing, only that server would hang, not the shared stack.
"""

from __future__ import annotations

import asyncio

import pytest
from pymongo import AsyncMongoClient, UpdateOne

from shared.mongo import Document
from tests.stack_clients import PrivateMongo

pytestmark = pytest.mark.integration

STATEMENTS = 250  # well past the pool's 100 connections


async def test_an_update_of_more_statements_than_connections_completes(
    private_mongo: PrivateMongo,
) -> None:
    client: AsyncMongoClient[Document] = AsyncMongoClient(private_mongo.url)
    try:
        history = client["standin"]["tender_matches"]
        await history.insert_many([{"_id": f"t{n}", "entries": []} for n in range(STATEMENTS)])
        updates = [
            UpdateOne({"_id": f"t{n}"}, {"$addToSet": {"entries": n}}, upsert=True)
            for n in range(STATEMENTS)
        ]
        result = await asyncio.wait_for(history.bulk_write(updates, ordered=False), 60)
        assert result.modified_count == STATEMENTS
        assert await history.count_documents({"entries": {"$size": 1}}) == STATEMENTS
    finally:
        await client.close()
