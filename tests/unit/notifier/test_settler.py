"""The settler: outcomes that arrive together are written together, and each sender is answered
only once its outcome is recorded and its event published."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from notifier.delivery import Outcome
from notifier.settler import Settler
from shared.events import Channel, DeliveryEvent, DeliveryStatus
from tests.unit.notifier.builders import utc


class _Store:
    def __init__(self, fail: bool = False) -> None:
        self.writes: list[list[str]] = []
        self.fail = fail

    async def settle_many(self, outcomes: list[Outcome], now: datetime) -> None:
        await asyncio.sleep(0.01)  # a round trip, while more outcomes arrive
        if self.fail:
            raise RuntimeError("MongoDB away")
        self.writes.append([outcome.key for outcome in outcomes])


def _event(key: str) -> DeliveryEvent:
    return DeliveryEvent(
        event_id=uuid.uuid4(),
        status=DeliveryStatus.SENT,
        channel=Channel.EMAIL,
        idempotency_key=key,
        match_id="m",
        enterprise_id="e",
        tender_uid="t",
        revision=1,
    )


async def test_outcomes_arriving_together_are_written_in_few_batches() -> None:
    store, published = _Store(), []

    async def publish(event: DeliveryEvent) -> None:
        published.append(event.idempotency_key)

    settler = Settler(store, publish, lambda: utc(2026, 1, 1))
    settler.start()
    keys = [f"k{i}" for i in range(50)]
    await asyncio.gather(
        *(settler.settle(Outcome(k, DeliveryStatus.SENT, "", 1), _event(k)) for k in keys)
    )
    await settler.stop()

    assert sorted(k for write in store.writes for k in write) == sorted(keys)
    assert len(store.writes) <= 2  # the first outcome, then all that came while it was written
    assert sorted(published) == sorted(keys)


async def test_a_failed_write_reaches_every_sender_of_the_batch() -> None:
    async def publish(event: DeliveryEvent) -> None:
        raise AssertionError("nothing is published for an outcome not recorded")

    settler = Settler(_Store(fail=True), publish, lambda: utc(2026, 1, 1))
    settler.start()
    results = await asyncio.gather(
        *(settler.settle(Outcome(f"k{i}", DeliveryStatus.SENT), _event(f"k{i}")) for i in range(3)),
        return_exceptions=True,
    )
    await settler.stop()
    assert all(isinstance(result, RuntimeError) for result in results)


async def test_without_its_loop_it_writes_at_once() -> None:
    store = _Store()

    async def publish(event: DeliveryEvent) -> None:
        return None

    settler = Settler(store, publish, lambda: utc(2026, 1, 1))
    await settler.settle(Outcome("k", DeliveryStatus.SUPPRESSED, "alerts paused"), None)
    assert store.writes == [["k"]]
