"""MongoDB adapter: the `publishers` collection (API clients, their hashed keys and scope)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from ingest.keys import hash_key, key_matches, lookup_of, new_api_key
from ingest.publisher_scope import Publisher
from shared.mongo import Document


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "publisher"


class PublisherDirectory:
    def __init__(self, db: AsyncDatabase[Document], pepper: str | None) -> None:
        self._publishers = db["publishers"]
        self._secret = pepper

    @property
    def _pepper(self) -> str:
        if not self._secret:
            raise RuntimeError(
                "VIGIE_API_KEY_PEPPER is not set: API keys cannot be made or checked"
            )
        return self._secret

    async def ensure_indexes(self) -> None:
        await self._publishers.create_index(
            [("key_lookup", ASCENDING)], unique=True, name="key_lookup"
        )

    async def add(self, name: str, buyers: list[str], sources: list[str]) -> tuple[Publisher, str]:
        """Create a publisher; returns it with its API key, which is never stored in clear."""
        key, lookup = new_api_key()
        publisher = Publisher(
            slug(name), name, frozenset(buyers), frozenset(sources or [slug(name)])
        )
        await self._publishers.replace_one(
            {"_id": publisher.id},
            {
                "name": name,
                "buyers": sorted(publisher.buyers),
                "sources": sorted(publisher.sources),
                "key_lookup": lookup,
                "key_hash": hash_key(key, self._pepper),
                "status": "active",
                "created_at": datetime.now(UTC),
            },
            upsert=True,
        )
        return publisher, key

    async def authenticate(self, key: str) -> Publisher | None:
        lookup = lookup_of(key)
        if lookup is None:
            return None
        document = await self._publishers.find_one({"key_lookup": lookup, "status": "active"})
        if document is None or not key_matches(key, document["key_hash"], self._pepper):
            return None
        return Publisher(
            document["_id"],
            document["name"],
            frozenset(document["buyers"]),
            frozenset(document["sources"]),
        )
