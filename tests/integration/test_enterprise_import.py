"""Re-importing enterprises updates what the file owns and keeps what the enterprise chose."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document
from tests.factories import enterprise_data, make_enterprise
from tests.stack_clients import StackEndpoints
from vigie.enterprise_store import upsert_enterprises


async def test_reimport_keeps_an_unsubscribe(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    data = enterprise_data(name="Coop A")
    await upsert_enterprises(db, [make_enterprise(**data)])
    withdrawn = {"granted": False, "at": "2026-11-20T10:00:00+00:00", "source": "unsubscribe"}
    await db["enterprises"].update_one({"_id": data["id"]}, {"$set": {"consent.email": withdrawn}})
    await upsert_enterprises(db, [make_enterprise(**{**data, "name": "Coop A (renamed)"})])
    stored = await db["enterprises"].find_one({"_id": data["id"]})
    assert stored is not None
    assert stored["name"] == "Coop A (renamed)"
    assert stored["consent"]["email"]["granted"] is False
    assert stored["consent"]["email"]["source"] == "unsubscribe"


async def test_reimport_keeps_per_profile_choices(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    data = enterprise_data()
    await upsert_enterprises(db, [make_enterprise(**data)])
    await db["enterprises"].update_one(
        {"_id": data["id"]},
        {"$set": {"profiles.0.channels": ["sms"], "profiles.0.cadence": "daily"}},
    )
    changed = [{**data["profiles"][0], "territories": ["CA-QC"]}]
    await upsert_enterprises(db, [make_enterprise(**{**data, "profiles": changed})])
    stored = await db["enterprises"].find_one({"_id": data["id"]})
    assert stored is not None
    [profile] = stored["profiles"]
    assert profile["territories"] == ["CA-QC"]  # what the file owns is updated
    assert (profile["channels"], profile["cadence"]) == (["sms"], "daily")
