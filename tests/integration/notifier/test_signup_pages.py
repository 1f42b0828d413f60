"""The sign-up over the notifier's real app, MongoDB and SMTP sink: a known address and a new
one get the same page and one email each, of a different kind; the client limit answers 429."""

from __future__ import annotations

import httpx
from pymongo.asynchronous.database import AsyncDatabase

from notifier.signup_form import enterprise_id_for
from shared.mongo import Document
from tests.factories import make_enterprise
from tests.integration.notifier.harness import running_notifier
from tests.stack_clients import MailSink, StackEndpoints
from vigie.enterprise_store import upsert_enterprises


def _form(address: str) -> dict[str, str]:
    return {
        "lang": "fr",
        "name": "Coop Essai",
        "kind": "non_profit",
        "neq": "1170000000",
        "keywords": "traiteur",
        "email": address,
        "language": "fr",
        "timezone": "America/Toronto",
        "consent_email": "on",
    }


async def test_known_and_new_addresses_look_alike_and_get_their_own_mail(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], mail: MailSink
) -> None:
    known_address, new_address = f"known-{namespace}@example.org", f"new-{namespace}@example.org"
    known = make_enterprise(contacts={"email": known_address.upper()}, language="en")
    await upsert_enterprises(db, [known])
    async with (
        running_notifier(stack, namespace, serve=False, signup_per_client_burst=2) as notifier,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=notifier.service.app), base_url=notifier.base_url
        ) as client,
    ):
        to_known = await client.post("/signup", data=_form(known_address))
        to_new = await client.post("/signup", data=_form(new_address))
        limited = await client.post("/signup", data=_form(f"third-{namespace}@example.org"))
        [note] = await mail.wait_for(known_address)  # the address as typed: the same mailbox
        [confirmation] = await mail.wait_for(new_address)

    assert (to_known.status_code, to_known.text) == (to_new.status_code, to_new.text)
    assert to_known.status_code == 200
    assert limited.status_code == 429
    assert note["subject"] == "Vigie: a sign-up attempt with your address"
    assert f"/preferences/{known.id}." in note["text"]
    assert confirmation["subject"] == "Vigie : confirmez l'inscription de Coop Essai"
    assert "/signup/confirm/" in confirmation["text"]
    pending = await db["signups"].find({}).to_list()
    assert [p["_id"] for p in pending] == [enterprise_id_for(new_address)]
    assert await db["enterprises"].count_documents({}) == 1
