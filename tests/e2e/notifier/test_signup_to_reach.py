"""From sign-up to the buyer's reach, in a real browser over the whole pipeline: an enterprise
signs up (a wrong SIRET first), confirms from the captured email, an operator verifies it with
`vigie`, a tender pushed through the ingest API reaches it, it opens the documents and says it
is interested, and the tender's publisher sees that in the reach."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from notifier.http_server import WebServer
from notifier.signup_form import enterprise_id_for
from tests.factories import tender_data
from tests.pipeline import Pipeline, running_pipeline
from tests.stack_clients import MailSink, StackEndpoints, free_port
from tests.vigie_command import run_vigie


@pytest_asyncio.fixture
async def site(
    stack: StackEndpoints, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Pipeline, str]]:
    """The whole pipeline, with the notifier's pages on a real port that its links name."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("VIGIE_PUBLIC_BASE_URL", base)
    async with running_pipeline(stack, namespace) as pipeline:
        assert pipeline.notifier is not None
        server = WebServer(pipeline.notifier.app, "127.0.0.1", port)
        await server.start()
        try:
            yield pipeline, base
        finally:
            await server.stop()


def _link(email: dict[str, Any], pattern: str) -> str:
    found = re.search(rf'href="([^"]*{pattern}[^"]*)"', str(email["html"]))
    assert found is not None, f"no link like {pattern} in {email['subject']}"
    return found.group(1).replace("&amp;", "&")


async def _fill_the_form(page: Page, address: str, siret: str) -> None:
    await page.get_by_label("Nom de l'entreprise").fill("Coop Ménage Rive-Sud")
    await page.get_by_label("Forme d'économie sociale").select_option("cooperative")
    await page.get_by_label("SIRET (France, 14 chiffres)").fill(siret)
    await page.get_by_label("Mots-clés de ce que vous faites").fill("entretien ménager, nettoyage")
    await page.get_by_label("Courriel *", exact=True).fill(address)
    await page.get_by_label("Fuseau horaire").select_option("America/Toronto")
    await page.get_by_label("J'accepte de recevoir les alertes").check()
    await page.get_by_label("Les acheteurs dont un appel nous intéresse").check()


async def _sign_up(page: Page, base: str, address: str) -> None:
    await page.goto(f"{base}/signup?lang=fr")
    await _fill_the_form(page, address, "732 829 320 00075")
    await page.get_by_label("Courriel *", exact=True).press("Enter")  # the keyboard submits
    siret = page.get_by_label("SIRET (France, 14 chiffres)")
    await expect(page.locator("#error-summary")).to_contain_text("SIRET")
    await expect(siret).to_have_attribute("aria-invalid", "true")
    described = await siret.get_attribute("aria-describedby")
    assert await page.locator(f"#{described}").inner_text() == (
        "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas."
    )
    await siret.fill("732 829 320 00074")
    await page.get_by_label("J'accepte de recevoir les alertes").check()
    submit = page.get_by_role("button", name="M'inscrire")
    await submit.focus()
    outline = await submit.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none", "the focused button shows no focus"
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_have_text("Vérifiez votre courriel")


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
    stack: StackEndpoints,
    namespace: str,
    mail: MailSink,
    browser: Browser,
    site: tuple[Pipeline, str],
) -> None:
    pipeline, base = site
    address = f"coop-{namespace}@example.org"
    enterprise_id = enterprise_id_for(address)
    page = await browser.new_page()

    await _sign_up(page, base, address)
    [confirmation] = await mail.wait_for(address, count=1)
    assert confirmation["subject"] == "Vigie : confirmez l'inscription de Coop Ménage Rive-Sud"
    await page.goto(_link(confirmation, "/signup/confirm/"))
    await page.get_by_role("button", name="Confirmer mon inscription").click()
    await expect(page.locator("h1")).to_have_text("Adresse confirmée")

    listed_code, listed = await run_vigie(stack, namespace, "enterprises", "pending")
    verified_code, verified = await run_vigie(
        stack, namespace, "enterprises", "verify", enterprise_id, "--by", "Opératrice, SIRENE"
    )
    assert (listed_code, verified_code) == (0, 0), verified
    assert enterprise_id in listed

    tender = tender_data(title=f"Entretien ménager des écoles {namespace}")
    async with pipeline.ingest_client() as client:
        pushed = await client.post("/v1/tenders", json=tender)
    assert pushed.status_code == 202, pushed.text
    uid = pushed.json()["uid"]
    messages = await mail.wait_for(address, count=3, within=60)
    [alert] = [m for m in messages if m["subject"].startswith("Entretien ménager des écoles")]

    async with httpx.AsyncClient() as client:  # the documents live elsewhere: no browser trip
        documents = await client.get(_link(alert, "/documents/"))
    assert documents.status_code == 303
    assert documents.headers["location"] == tender["documents_url"]

    await page.goto(_link(alert, "answer=interested"))
    await expect(page.get_by_label("Nous sommes intéressés")).to_be_checked()
    await page.get_by_role("button", name="Envoyer ma réponse").click()
    await expect(page.locator("h1")).to_have_text("Merci pour votre réponse")
    await page.close()

    reach = await _reach(pipeline, uid)
    printed_code, printed = await run_vigie(stack, namespace, "reach", uid)

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
