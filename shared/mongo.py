"""MongoDB access: one client factory, and the database named by the URL.

The code sticks to what both MongoDB and FerretDB 1.x serve: no transactions, change streams,
TTL/partial/text indexes, `$lookup`/`$facet`, or dotted keys.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    NetworkTimeout,
    OperationFailure,
    PyMongoError,
)
from pymongo.uri_parser import parse_uri

from shared.backoff import Backoff

T = TypeVar("T")
WRITE_CONFLICT = 112
DUPLICATE_KEY = 11000
# Transient failures clear within milliseconds: 20 ms, doubling, never above a second.
_TRANSIENT_BACKOFF = Backoff(base_seconds=0.02, cap_seconds=1.0)
Document = dict[str, Any]
DEFAULT_DATABASE = "vigie"


def make_client(url: str) -> AsyncMongoClient[Document]:
    return AsyncMongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5_000, appname="vigie")


def database_name(url: str) -> str:
    return parse_uri(url).get("database") or DEFAULT_DATABASE


def database(client: AsyncMongoClient[Document], url: str) -> AsyncDatabase[Document]:
    return client[database_name(url)]


def is_transient(error: PyMongoError) -> bool:
    """Worth retrying: a lost connection, a write conflict, or FerretDB's SQLite busy lock."""
    if isinstance(error, AutoReconnect | NetworkTimeout):
        return True
    if isinstance(error, OperationFailure):
        return error.code == WRITE_CONFLICT or "SQLITE_BUSY" in str(error)
    return error.has_error_label("TransientTransactionError")


async def retrying(call: Callable[[], Awaitable[T]], attempts: int = 8) -> T:
    """Run a MongoDB operation, retrying transient failures with capped, jittered backoff."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except PyMongoError as error:
            if attempt == attempts or not is_transient(error):
                raise
            await asyncio.sleep(_TRANSIENT_BACKOFF.delay(attempt))
    raise AssertionError("unreachable")


async def insert_new(collection: AsyncCollection[Document], documents: list[Document]) -> set[Any]:
    """Insert the documents in one round trip, each unless its `_id` is already there; returns
    the `_id`s that were (the idempotent half of an insert-only write)."""
    if not documents:
        return set()
    try:
        await retrying(lambda: collection.insert_many(documents, ordered=False))
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        return {documents[error["index"]]["_id"] for error in errors}
    return set()
