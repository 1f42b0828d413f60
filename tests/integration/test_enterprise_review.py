"""An operator reviews sign-ups with the real `vigie` command: pending, verify, reject; the
decision is stored, announced on vigie.enterprises.v1 and emailed to the enterprise. And an
import records that the operator vouched."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shared.enterprises import Enterprise, Verification
from shared.events import ENTERPRISES_TOPIC
from shared.mongo import Document
from tests.factories import enterprise_data, make_enterprise
from tests.stack_clients import MailSink, StackEndpoints, read_topic
from tests.vigie_command import run_vigie
from vigie.enterprise_store import upsert_enterprises


def _pending(name: str, email: str) -> Enterprise:
    data = enterprise_data(name=name, contacts={"email": email}, language="fr")
    data["social_economy"] = {"kind": "insertion", "verification": "pending"}
    return make_enterprise(**data)


async def test_pending_then_verify_then_reject(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    first = _pending("Insertion Rive-Sud", f"rive-sud-{namespace}@example.org")
    second = _pending("Atelier Douteux", f"douteux-{namespace}@example.org")
    await db["enterprises"].insert_many([first.to_document(), second.to_document()])

    listed_code, listed = await run_vigie(stack, namespace, "enterprises", "pending")
    verified_code, verified_out = await run_vigie(
        stack, namespace, "enterprises", "verify", first.id, "--by", "Marie T., registre REQ"
    )
    rejected_code, _ = await run_vigie(
        stack,
        namespace,
        "enterprises",
        "reject",
        second.id,
        "--reason",
        "aucune trace au registre",
        "--by",
        "Marie T.",
    )
    missing_code, missing = await run_vigie(
        stack, namespace, "enterprises", "verify", "nope", "--by", "x"
    )
    after_code, after = await run_vigie(stack, namespace, "enterprises", "pending")

    assert listed_code == 0
    assert first.id in listed
    assert second.id in listed
    assert "2 enterprises pending verification" in listed
    assert (verified_code, rejected_code, missing_code) == (0, 0, 1), verified_out
    assert "no enterprise nope" in missing
    assert after_code == 0
    assert "0 enterprises pending verification" in after

    stored = Enterprise.from_document(await db["enterprises"].find_one({"_id": first.id}) or {})
    status = stored.social_economy
    assert (status.verification, status.verified_by) == (
        Verification.VERIFIED,
        "Marie T., registre REQ",
    )
    assert status.verified_at is not None
    assert status.verified_via == "review"
    assert stored.is_matchable()
    refused = Enterprise.from_document(await db["enterprises"].find_one({"_id": second.id}) or {})
    assert (refused.social_economy.verification, refused.social_economy.rejection_reason) == (
        Verification.REJECTED,
        "aucune trace au registre",
    )
    assert not refused.is_matchable()

    records = await read_topic(stack.kafka_bootstrap, f"{namespace}.{ENTERPRISES_TOPIC}", 2)
    assert sorted(r.key.decode() for r in records if r.key) == sorted([first.id, second.id])

    [welcome] = await mail.wait_for(str(first.contacts.email))
    [refusal] = await mail.wait_for(str(second.contacts.email))
    assert welcome["subject"] == "Vigie : Insertion Rive-Sud est vérifiée, vos alertes commencent"
    assert "/preferences/" in welcome["text"]
    assert refusal["subject"] == "Vigie : inscription de Atelier Douteux refusée"
    assert "Raison : aucune trace au registre." in refusal["text"]


async def test_an_import_records_that_the_operator_vouched(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document]
) -> None:
    """The file's word stands: `verification` is stored as verified (unless the file says
    otherwise) and who certified the status is what the file says, as before sign-ups."""
    certified = make_enterprise()
    unnamed = make_enterprise(social_economy={"kind": "cooperative"})
    await upsert_enterprises(db, [certified, unnamed])
    documents = {d["_id"]: d["social_economy"] async for d in db["enterprises"].find({})}
    assert documents[certified.id]["verification"] == "verified"
    assert documents[certified.id]["verified_via"] == "import"
    assert documents[certified.id]["verified_by"] == certified.social_economy.verified_by
    assert documents[unnamed.id]["verification"] == "verified"
    assert documents[unnamed.id]["verified_by"] is None
