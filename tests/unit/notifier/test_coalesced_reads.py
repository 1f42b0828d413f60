"""Reads by `_id` asked for at once go out as one query; each caller gets its own documents,
read after it asked, or the query's failure; none is left waiting when the loop closes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
from pymongo.asynchronous.collection import AsyncCollection

from notifier.store import CoalescedReads
from shared.mongo import Document


class _Collection:
    """Documents by `_id`; each `find` is recorded and may be held until `gate` opens."""

    def __init__(self, *ids: str) -> None:
        self.documents: dict[str, Document] = {i: {"_id": i} for i in ids}
        self.queries: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.asked = asyncio.Event()  # a query arrived
        self.failure: Exception | None = None

    def find(self, query: dict[str, Any]) -> AsyncIterator[Document]:
        return self._answer(list(query["_id"]["$in"]))

    async def _answer(self, ids: list[str]) -> AsyncIterator[Document]:
        self.queries.append(ids)
        self.asked.set()
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        found = [self.documents[i] for i in ids if i in self.documents]  # read now, not before
        for document in found:
            yield document


def _reads(collection: _Collection) -> CoalescedReads:
    return CoalescedReads(cast(AsyncCollection[Document], collection))


async def test_reads_asked_for_at_once_go_out_as_one_query_and_each_gets_its_own() -> None:
    collection = _Collection("a", "b", "c")
    reads = _reads(collection)

    answers = await asyncio.gather(
        reads.find(["a", "x"]), reads.find(["b"]), reads.find(["y"]), reads.find(["a", "c"])
    )

    assert [sorted(answer) for answer in answers] == [["a"], ["b"], [], ["a", "c"]]
    assert collection.queries == [["a", "b", "c", "x", "y"]]


async def test_a_read_asked_for_during_a_query_goes_in_the_next_and_sees_later_writes() -> None:
    collection = _Collection()
    reads = _reads(collection)
    collection.gate.clear()
    first = asyncio.create_task(reads.find(["a"]))
    await asyncio.wait_for(collection.asked.wait(), 5)  # the first query is on its way, held

    second = asyncio.create_task(reads.find(["a"]))
    await asyncio.sleep(0)
    collection.documents["a"] = {"_id": "a"}  # written after the second asked
    collection.gate.set()

    assert await second == {"a": {"_id": "a"}}
    await first
    assert collection.queries == [["a"], ["a"]]


async def test_a_failed_query_fails_each_of_its_callers_and_the_next_one_is_made() -> None:
    collection = _Collection("a")
    reads = _reads(collection)
    collection.failure = ConnectionError("server gone")

    answers = await asyncio.gather(reads.find(["a"]), reads.find(["b"]), return_exceptions=True)
    collection.failure = None

    assert [type(answer) for answer in answers] == [ConnectionError, ConnectionError]
    assert await reads.find(["a"]) == {"a": {"_id": "a"}}


async def test_callers_are_not_left_waiting_when_the_reader_is_cancelled() -> None:
    collection = _Collection("a")
    reads = _reads(collection)
    collection.gate.clear()
    waiting = [asyncio.create_task(reads.find(["a"])) for _ in range(3)]
    await asyncio.wait_for(collection.asked.wait(), 5)

    for task in asyncio.all_tasks():
        if task.get_coro().__qualname__ == "CoalescedReads._read":  # type: ignore[union-attr]
            task.cancel()

    for task in waiting:
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)
