"""Proven API keys are remembered for a bounded time; wrong keys are checked every time."""

from __future__ import annotations

from ingest.key_cache import RecentKeys
from ingest.publisher_scope import Publisher

LONGUEUIL = Publisher("longueuil", "Longueuil", frozenset({"ville-longueuil"}), frozenset())


class Directory:
    def __init__(self) -> None:
        self.keys = {"good": LONGUEUIL}
        self.asked: list[str] = []

    async def authenticate(self, key: str) -> Publisher | None:
        self.asked.append(key)
        return self.keys.get(key)


async def test_a_proven_key_is_asked_once_within_the_bound_and_again_after() -> None:
    directory, now = Directory(), [100.0]
    keys = RecentKeys(directory.authenticate, 10.0, clock=lambda: now[0])
    assert await keys("good") == LONGUEUIL
    now[0] += 9.9
    assert await keys("good") == LONGUEUIL
    assert directory.asked == ["good"]
    del directory.keys["good"]  # disabled in the directory
    now[0] += 0.2
    assert await keys("good") is None
    assert directory.asked == ["good", "good"]


async def test_a_wrong_key_is_checked_every_time() -> None:
    directory = Directory()
    keys = RecentKeys(directory.authenticate, 10.0)
    assert await keys("wrong") is None
    assert await keys("wrong") is None
    assert directory.asked == ["wrong", "wrong"]


async def test_a_bound_of_zero_checks_every_request() -> None:
    directory = Directory()
    keys = RecentKeys(directory.authenticate, 0.0)
    await keys("good")
    await keys("good")
    assert directory.asked == ["good", "good"]
