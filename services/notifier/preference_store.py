"""MongoDB adapter of the preference centre: an enterprise's preferences, and its consent log.

Every consent change is appended to `consent` (who, which channel, granted or withdrawn, when,
from where) before the enterprise's current consent is updated, so the log never misses a change
that took effect. FerretDB has no transactions, hence that order.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import AlertProfile, Enterprise, Preferences, stored_form
from shared.events import Channel
from shared.kafka.enterprise_changes import Announce
from shared.mongo import Document


class PreferenceStore:
    """`announce` tells running matchers that an enterprise changed (consent, pause, profiles
    decide what it is matched to); without it they see the change at their next full reload."""

    def __init__(self, db: AsyncDatabase[Document], announce: Announce | None = None) -> None:
        self._enterprises = db["enterprises"]
        self._consent = db["consent"]
        self._announce = announce

    async def _changed(self, enterprise_id: str) -> None:
        if self._announce is not None:
            await self._announce([enterprise_id])

    async def ensure_indexes(self) -> None:
        await self._consent.create_index(
            [("enterprise_id", ASCENDING), ("at", ASCENDING)], name="enterprise_at"
        )

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        document = await self._enterprises.find_one({"_id": enterprise_id})
        return Enterprise.from_document(document) if document else None

    async def set_consent(
        self, enterprise_id: str, channel: Channel, granted: bool, source: str, at: datetime
    ) -> None:
        await self._consent.insert_one(
            {
                "_id": str(uuid.uuid4()),
                "enterprise_id": enterprise_id,
                "channel": channel.value,
                "granted": granted,
                "at": at,
                "source": source,
            }
        )
        await self._enterprises.update_one(
            {"_id": enterprise_id},
            {
                "$set": {
                    f"consent.{channel.value}": {"granted": granted, "at": at, "source": source},
                    "updated_at": at,
                }
            },
        )
        await self._changed(enterprise_id)

    async def save_preferences(
        self,
        enterprise_id: str,
        preferences: Preferences,
        profiles: list[AlertProfile],
        at: datetime,
    ) -> None:
        await self._enterprises.update_one(
            {"_id": enterprise_id},
            {
                "$set": {
                    "preferences": stored_form(preferences.model_dump(mode="python")),
                    "profiles": [stored_form(p.model_dump(mode="python")) for p in profiles],
                    "updated_at": at,
                }
            },
        )
        await self._changed(enterprise_id)

    async def consent_history(self, enterprise_id: str) -> list[Document]:
        cursor = self._consent.find({"enterprise_id": enterprise_id}, {"_id": 0}).sort("at", 1)
        return [document async for document in cursor]
