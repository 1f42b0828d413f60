"""An API client of ingest (a publisher) and its scope: the buyers it may publish for and the
sources it may use. Pure: the MongoDB directory of publishers lives in `ingest.publishers`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Publisher:
    id: str
    name: str
    buyers: frozenset[str]
    sources: frozenset[str]

    def may_publish_for(self, buyer_id: str | None) -> bool:
        return buyer_id is not None and buyer_id in self.buyers
