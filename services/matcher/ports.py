"""What the matcher's use case needs of the world, as protocols. Pure: no I/O is imported here.

`TenderMatcher` (matcher.service) is written against these; the composition root
(matcher.bootstrap) hands it the MongoDB and Kafka adapters, the unit tests in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from matcher.history import Entry
from shared.enterprises import Enterprise
from shared.events import MatchEvent


class MatcherStore(Protocol):
    """Enterprises in, matches out (adapter: matcher.store.MongoMatcherStore)."""

    async def all_enterprises(self) -> list[Enterprise]:
        """Every readable enterprise, whatever its status: the catalogue's full load."""
        ...

    async def enterprises(self, ids: Sequence[str]) -> dict[str, Enterprise]:
        """The enterprises among `ids` that exist and can be read, by id; a missing id was
        deleted."""
        ...

    async def match_history(self, tender_uids: Sequence[str]) -> dict[str, list[Entry]]:
        """Who each of these tenders matched at which revision (matcher.history's entries), by
        tender uid; a tender never matched is absent. One read for a whole batch."""
        ...

    async def record(self, matches: Sequence[MatchEvent]) -> None:
        """Stores matches, of any number of tenders and revisions, with their history entries;
        recording the same ones again changes nothing."""
        ...


class MatchPublisher(Protocol):
    """Where match events go (adapter: matcher.publisher.KafkaMatchPublisher)."""

    async def publish(self, matches: Sequence[MatchEvent]) -> None:
        """Every event acknowledged when this returns; they may be sent together."""
        ...


class EnterpriseChanges(Protocol):
    """The enterprise changes announced so far (adapter: matcher.enterprise_feed)."""

    async def catch_up(self) -> bool:
        """Returns once every change announced before the call is applied to the catalogue;
        False when it gave up waiting (matching then goes on with what is applied)."""
        ...
