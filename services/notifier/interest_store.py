"""MongoDB adapter of the answers to alerts: the `interest` collection, and the tender a link
points at (read from ingest's `tenders`, by `_id`).

One document per (tender, enterprise), `_id` = `interest.interest_id`: the answer (interested or
declined, and why) and when the documents were first and last opened. Every write is an upsert on
`_id`, so a repeat (a second click, a scanner, a retried request) changes nothing but the times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from notifier.ports import TenderSummary
from shared.interest import Answer, DeclineReason, interest_id
from shared.mongo import Document


class InterestStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._interest = db["interest"]
        self._tenders = db["tenders"]

    async def tender(self, uid: str) -> TenderSummary | None:
        document = await self._tenders.find_one({"_id": uid}, {"tender": 1})
        if document is None:
            return None
        tender: dict[str, Any] = document["tender"]
        return TenderSummary(
            uid=uid,
            title=str(tender.get("title", "")),
            buyer=str((tender.get("buyer") or {}).get("name", "")),
            documents_url=tender.get("documents_url"),
        )

    async def answer(
        self,
        tender_uid: str,
        enterprise_id: str,
        answer: Answer,
        reason: DeclineReason | None,
        at: datetime,
    ) -> None:
        await self._interest.update_one(
            {"_id": interest_id(tender_uid, enterprise_id)},
            {
                "$set": {
                    "answer": answer.value,
                    "reason": reason.value if reason else None,
                    "answered_at": at,
                },
                "$setOnInsert": {"tender_uid": tender_uid, "enterprise_id": enterprise_id},
            },
            upsert=True,
        )

    async def documents_opened(self, tender_uid: str, enterprise_id: str, at: datetime) -> None:
        await self._interest.update_one(
            {"_id": interest_id(tender_uid, enterprise_id)},
            {
                "$set": {"documents_last_at": at},
                "$min": {"documents_first_at": at},
                "$setOnInsert": {"tender_uid": tender_uid, "enterprise_id": enterprise_id},
            },
            upsert=True,
        )

    async def record(self, tender_uid: str, enterprise_id: str) -> dict[str, Any] | None:
        return await self._interest.find_one({"_id": interest_id(tender_uid, enterprise_id)})
