"""The interest records and the reach read on FerretDB: one record per (tender, enterprise)
however often it is written, and a reach built from the notifier's deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.database import AsyncDatabase

from ingest.reach_store import ReachStore
from notifier.interest_store import InterestStore
from notifier.signup_store import SignupStore
from shared.interest import Answer, DeclineReason, interest_id
from shared.mongo import Document
from tests.factories import make_enterprise
from tests.stack_clients import StackEndpoints

T0 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
UID = "longueuil:AO-reach-1"


async def test_answers_and_clicks_make_one_record(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    store = InterestStore(db)
    await store.documents_opened(UID, "e-1", T0 + timedelta(minutes=5))
    await store.answer(UID, "e-1", Answer.INTERESTED, None, T0 + timedelta(minutes=6))
    await store.documents_opened(UID, "e-1", T0 + timedelta(minutes=7))
    await store.answer(UID, "e-1", Answer.INTERESTED, None, T0 + timedelta(minutes=6))
    records = await db["interest"].find({}).to_list()
    assert records == [
        {
            "_id": interest_id(UID, "e-1"),
            "tender_uid": UID,
            "enterprise_id": "e-1",
            "documents_first_at": T0 + timedelta(minutes=5),
            "documents_last_at": T0 + timedelta(minutes=7),
            "answer": "interested",
            "reason": None,
            "answered_at": T0 + timedelta(minutes=6),
        }
    ]


async def test_an_address_is_found_whatever_its_case(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    imported = make_enterprise(contacts={"email": "Info+Tag@Coop.example"})
    await db["enterprises"].insert_one(imported.to_document())
    store = SignupStore(db)
    found = await store.holder_of("su-unrelated", "info+tag@coop.example")
    assert found is not None
    assert found.id == imported.id
    assert await store.holder_of("su-unrelated", "info@coop.example") is None


def _delivery(key: str, enterprise_id: str, status: str, uid: str = UID) -> Document:
    return {
        "_id": key,
        "type": "alert",
        "status": status,
        "enterprise_id": enterprise_id,
        "profile_id": "p",
        "tender_uid": uid,
        "channel": "email",
    }


async def test_the_reach_reads_deliveries_enterprises_and_answers(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    profile = {"id": "p", "keywords": {"any": ["ménage"]}, "territories": ["CA-QC-RA-16"]}
    contactable = {"granted": True, "at": T0, "source": "signup-form"}
    coop = make_enterprise(name="Coop A", profiles=[profile], buyer_contact=contactable)
    obnl = make_enterprise(name="OBNL B", social_economy={"kind": "non_profit"}, profiles=[profile])
    failed = make_enterprise(name="Jamais reçue", profiles=[profile])
    await db["enterprises"].insert_many([e.to_document() for e in (coop, obnl, failed)])
    await db["deliveries"].insert_many(
        [
            _delivery("a#email", coop.id, "sent"),
            _delivery("a#sms", coop.id, "sent"),
            _delivery("b#email", obnl.id, "sent"),
            _delivery("c#email", failed.id, "failed"),
            _delivery("d#email", failed.id, "sent", uid="longueuil:another"),
        ]
    )
    interest = InterestStore(db)
    await interest.answer(UID, coop.id, Answer.INTERESTED, None, T0)
    await interest.documents_opened(UID, coop.id, T0)
    await interest.answer(UID, obnl.id, Answer.DECLINED, DeclineReason.TOO_BIG, T0)

    reach = await ReachStore(db).reach(UID)

    assert reach.alerted == 2
    assert reach.by_kind == {"cooperative": 1, "non_profit": 1}
    assert reach.by_territory == {"CA-QC-RA-16": 2}
    assert (reach.documents_opened, reach.interested, reach.declined) == (1, 1, 1)
    assert reach.declined_by_reason == {"too_big": 1}
    assert [c.name for c in reach.contacts] == ["Coop A"]
