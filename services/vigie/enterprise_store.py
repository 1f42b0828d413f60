"""Writing enterprises to MongoDB: an upsert per enterprise id, so an import can be re-run
without undoing what enterprises chose themselves (consent, preferences). Each batch written is
announced on `vigie.enterprises.v1`, so running matchers apply it at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import Enterprise
from shared.kafka.enterprise_changes import Announce
from shared.mongo import Document

BATCH_SIZE = 500


# What an enterprise said to us (consent per channel, cadence, quiet hours...) is theirs: an
# import sets it for a new enterprise and never overwrites it afterwards.
OWNED_BY_THE_ENTERPRISE = ("consent", "preferences")
# The same, per alert profile: the channels and cadence chosen in the preference centre.
PROFILE_CHOICES = ("channels", "cadence")


def _keep_profile_choices(document: Document, stored: Document | None) -> None:
    """Carry the choices made on a stored profile over to the imported profile of the same id."""
    chosen = {p.get("id"): p for p in (stored or {}).get("profiles", [])}
    for profile in document.get("profiles", []):
        previous = chosen.get(profile.get("id"), {})
        for field in PROFILE_CHOICES:
            if previous.get(field) is not None:
                profile[field] = previous[field]


def _upsert(enterprise: Enterprise, now: datetime, stored: Document | None) -> UpdateOne:
    document = enterprise.to_document()
    document.pop("_id")
    status = document["social_economy"]
    if status.get("verification") == "verified" and status.get("verified_via") is None:
        status["verified_via"] = "import"  # the importing operator vouches for it
    _keep_profile_choices(document, stored)
    kept = {field: document.pop(field) for field in OWNED_BY_THE_ENTERPRISE if field in document}
    return UpdateOne(
        {"_id": enterprise.id},
        {"$set": {**document, "updated_at": now}, "$setOnInsert": kept},
        upsert=True,
    )


async def upsert_enterprises(
    db: AsyncDatabase[Document],
    enterprises: Sequence[Enterprise],
    progress: Callable[[int], None] | None = None,
    announce: Announce | None = None,
) -> int:
    """Returns how many enterprises were written; `progress` hears of each batch, `announce`
    tells running matchers (without it, they see the change at their next full reload)."""
    collection = db["enterprises"]
    written = 0
    now = datetime.now(UTC)
    for start in range(0, len(enterprises), BATCH_SIZE):
        batch = enterprises[start : start + BATCH_SIZE]
        ids = [e.id for e in batch]
        stored = {
            d["_id"]: d async for d in collection.find({"_id": {"$in": ids}}, {"profiles": 1})
        }
        requests = [_upsert(e, now, stored.get(e.id)) for e in batch]
        await collection.bulk_write(requests, ordered=False)
        if announce is not None:
            await announce(ids)
        written += len(batch)
        if progress:
            progress(len(batch))
    return written
