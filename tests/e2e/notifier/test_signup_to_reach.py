"""From sign-up to the buyer's reach, in a real browser over the whole pipeline: an enterprise
signs up (a wrong SIRET first), confirms from the captured email, an operator verifies it with
`vigie`, a tender pushed through the ingest API reaches it, it opens the documents and says it
is interested, and the tender's publisher sees that in the reach."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from playwright.async_api import Browser, expect

from notifier.signup_form import enterprise_id_for
from tests.e2e.notifier.signup_site import SignupSite, link
from tests.factories import tender_data
from tests.pipeline import Pipeline
from tests.stack_clients import MailSink


async def _reach(pipeline: Pipeline, uid: str, within: float = 30) -> dict[str, Any]:
    """The publisher's reach once the answer is in (the delivery settles after the send)."""
    deadline = time.monotonic() + within
    async with pipeline.ingest_client() as client:
        while True:
            answer = await client.get(f"/v1/tenders/{uid}/reach")
            assert answer.status_code == 200, answer.text
            reach: dict[str, Any] = answer.json()
            if (reach["alerted"] and reach["interested"]) or time.monotonic() > deadline:
                return reach
            await asyncio.sleep(0.2)


async def test_sign_up_confirm_verify_alert_interest_reach(
    site: SignupSite, mail: MailSink, browser: Browser
) -> None:
    address = site.address
    enterprise_id = enterprise_id_for(address)
    page = await browser.new_page()

    confirmation = await site.sign_up_and_confirm(page)
    assert confirmation["subject"] == "Vigie : confirmez l'inscription de Coop Ménage Rive-Sud"

    listed_code, listed = await site.vigie("enterprises", "pending")
    verified_code, verified = await site.vigie(
        "enterprises", "verify", enterprise_id, "--by", "Opératrice, SIRENE"
    )
    assert (listed_code, verified_code) == (0, 0), verified
    assert enterprise_id in listed

    tender = tender_data(title=f"Entretien ménager des écoles {site.namespace}")
    uid = await site.push(tender)
    messages = await mail.wait_for(address, count=3, within=60)
    [alert] = [m for m in messages if m["subject"].startswith("Entretien ménager des écoles")]

    async with httpx.AsyncClient() as client:  # the documents live elsewhere: no browser trip
        documents = await client.get(link(alert, "/documents/"))
    assert documents.status_code == 303
    assert documents.headers["location"] == tender["documents_url"]

    await page.goto(link(alert, "answer=interested"))
    await expect(page.get_by_label("Nous sommes intéressés")).to_be_checked()
    await page.get_by_role("button", name="Envoyer ma réponse").click()
    await expect(page.locator("h1")).to_have_text("Merci pour votre réponse")
    await page.close()

    reach = await _reach(site.pipeline, uid)
    printed_code, printed = await site.vigie("reach", uid)

    assert "Vigie : Coop Ménage Rive-Sud est vérifiée, vos alertes commencent" in {
        m["subject"] for m in messages
    }
    assert reach["alerted"] == 1
    assert reach["by_kind"] == {"cooperative": 1}
    assert (reach["documents_opened"], reach["interested"], reach["declined"]) == (1, 1, 0)
    assert reach["contacts"] == [
        {"name": "Coop Ménage Rive-Sud", "email": address, "kind": "cooperative"}
    ]
    assert printed_code == 0
    assert f"{uid}: 1 enterprises alerted" in printed
    assert "interested: 1, declined: 0, no answer: 0" in printed
