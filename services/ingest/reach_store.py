"""MongoDB reads of a tender's reach: the notifier's `deliveries`, the `enterprises` and the
`interest` records (`shared.interest`).

One scan remains: finding a tender's deliveries filters `deliveries` on `tender_uid`, which
FerretDB serves by scanning (MongoDB would use an index on `tender_uid`; none is created here,
since it would slow every delivery the notifier writes to speed up a publisher's occasional
question). The rest is keyed: the alerted enterprises by `_id $in`, and their interest records
by `_id $in` of `interest_id(tender, enterprise)`.

A tender counts as delivered to an enterprise when one of its records for the tender settled
`sent` (an alert, a reminder, or an item of a digest that was sent), on any channel.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from ingest.reach import Alerted, Reach, tender_reach
from shared.enterprises import Enterprise
from shared.interest import interest_id
from shared.mongo import Document, retrying

SENT = "sent"


class ReachStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._deliveries = db["deliveries"]
        self._enterprises = db["enterprises"]
        self._interest = db["interest"]

    async def _delivered(self, uid: str) -> dict[str, str | None]:
        """Enterprise id → the profile that matched, for every enterprise the tender reached."""
        documents = await retrying(
            lambda: self._deliveries.find(
                {"tender_uid": uid, "status": SENT}, {"enterprise_id": 1, "profile_id": 1}
            ).to_list()
        )
        return {str(d["enterprise_id"]): d.get("profile_id") for d in documents}

    async def reach(self, uid: str) -> Reach:
        delivered = await self._delivered(uid)
        ids = list(delivered)
        enterprises = await retrying(
            lambda: self._enterprises.find({"_id": {"$in": ids}}).to_list()
        )
        records = await retrying(
            lambda: self._interest.find(
                {"_id": {"$in": [interest_id(uid, i) for i in ids]}}
            ).to_list()
        )
        alerted = [
            Alerted(Enterprise.from_document(d), delivered[str(d["_id"])]) for d in enterprises
        ]
        answers = {str(r["enterprise_id"]): r for r in records}
        return tender_reach(uid, alerted, answers)
