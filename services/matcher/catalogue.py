"""The enterprises the matcher holds in memory, with their profile index, kept fresh by polling.

FerretDB has no change streams, so the catalogue asks MongoDB for enterprises whose `updated_at`
moved since its last look (every `refresh_seconds`, 2 s by default: a profile change takes effect
within that) and rebuilds from scratch now and then, which also catches deletions.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from matcher.index import ProfileIndex
from shared.enterprises import Enterprise
from shared.events import Tender

FULL_RELOAD_SECONDS = 600.0


class EnterpriseCatalogue:
    def __init__(self) -> None:
        self._enterprises: dict[str, Enterprise] = {}
        self._index = ProfileIndex()
        self.seen_until: datetime | None = None
        self.loaded_at = 0.0

    def replace_all(self, enterprises: Iterable[Enterprise], seen_until: datetime | None) -> None:
        active = [e for e in enterprises if e.status == "active"]
        self._enterprises = {e.id: e for e in active}
        self._index = ProfileIndex.build(active)
        self.seen_until = seen_until
        self.loaded_at = time.monotonic()

    def apply(self, changed: Iterable[Enterprise], seen_until: datetime | None) -> int:
        """Apply what changed; returns how many enterprises really did."""
        count = 0
        for enterprise in changed:
            if self._enterprises.get(enterprise.id) == enterprise:
                continue  # seen again through the `$gte` overlap: nothing new
            count += 1
            if enterprise.status == "active":
                self._enterprises[enterprise.id] = enterprise
                self._index.upsert(enterprise)
            else:
                self._enterprises.pop(enterprise.id, None)
                self._index.remove(enterprise.id)
        self.seen_until = max(filter(None, (self.seen_until, seen_until)), default=None)
        return count

    def needs_full_reload(self) -> bool:
        return time.monotonic() - self.loaded_at > FULL_RELOAD_SECONDS

    def candidates(self, tender: Tender) -> list[Enterprise]:
        """The enterprises with at least one profile that fits the tender (eligibility aside)."""
        owners = {enterprise_id for enterprise_id, _ in self._index.candidates(tender)}
        return [self._enterprises[owner] for owner in owners if owner in self._enterprises]

    def known(self, enterprise_ids: Iterable[str]) -> list[Enterprise]:
        return [self._enterprises[i] for i in enterprise_ids if i in self._enterprises]

    def __len__(self) -> int:
        return len(self._enterprises)
