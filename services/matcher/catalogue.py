"""The enterprises the matcher holds in memory, with their profile index.

Only active enterprises verified by an operator are held (`Enterprise.is_matchable`).
Loaded whole at start, then kept fresh by the enterprise changes announced on Kafka (applied as
they come), and reloaded whole now and then as a safety net for a change never announced.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from matcher.index import ProfileIndex
from matcher.rules import Candidate
from shared.enterprises import Enterprise
from shared.events import Tender
from shared.metrics import INDEX_PROFILES, index_built


class EnterpriseCatalogue:
    def __init__(self) -> None:
        self._enterprises: dict[str, Enterprise] = {}
        self._index = ProfileIndex()
        self.loaded = False
        self.loaded_at = 0.0

    def replace_all(self, enterprises: Iterable[Enterprise]) -> None:
        active = [e for e in enterprises if e.is_matchable()]
        started = time.monotonic()
        self._enterprises = {e.id: e for e in active}
        self._index = ProfileIndex.build(active)
        self.loaded = True
        self.loaded_at = time.monotonic()
        index_built(len(self._index), self.loaded_at - started)

    def apply(self, ids: Iterable[str], found: dict[str, Enterprise]) -> int:
        """Apply the enterprises `ids` as they are now (`found`; an id not found was deleted);
        returns how many really changed."""
        count = 0
        for enterprise_id in ids:
            enterprise = found.get(enterprise_id)
            if enterprise is not None and enterprise.is_matchable():
                if self._enterprises.get(enterprise_id) == enterprise:
                    continue  # announced, but nothing the matcher holds changed
                self._enterprises[enterprise_id] = enterprise
                self._index.upsert(enterprise)
            elif self._enterprises.pop(enterprise_id, None) is not None:
                self._index.remove(enterprise_id)
            else:
                continue
            count += 1
        INDEX_PROFILES.set(len(self._index))
        return count

    def candidates(self, tender: Tender) -> list[Candidate]:
        """The enterprises with at least one profile that fits the tender (eligibility aside),
        each with the ids of its fitting profiles: the index's answer, passed on whole."""
        fitting: dict[str, set[str]] = {}
        for enterprise_id, profile_id in self._index.candidates(tender):
            fitting.setdefault(enterprise_id, set()).add(profile_id)
        return [
            Candidate(self._enterprises[owner], frozenset(profiles))
            for owner, profiles in fitting.items()
            if owner in self._enterprises
        ]

    def known(self, enterprise_ids: Iterable[str]) -> list[Enterprise]:
        return [self._enterprises[i] for i in enterprise_ids if i in self._enterprises]

    def __len__(self) -> int:
        return len(self._enterprises)
