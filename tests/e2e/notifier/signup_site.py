"""A sign-up over the whole pipeline in a real browser, as the e2e sign-up journeys share it:
the notifier's pages on a real port that its links name, the form filled as a person would (a
wrong SIRET first), and the confirmation followed from the captured email."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page, expect

from tests.pipeline import Pipeline
from tests.stack_clients import MailSink, StackEndpoints
from tests.vigie_command import run_vigie


@dataclass(frozen=True)
class SignupSite:
    """The pipeline, the base URL of its pages, and the test's namespace and mail sink."""

    pipeline: Pipeline
    base: str
    stack: StackEndpoints
    namespace: str
    mail: MailSink

    @property
    def address(self) -> str:
        """The email address this test signs up with."""
        return f"coop-{self.namespace}@example.org"

    async def vigie(self, *args: str) -> tuple[int, str]:
        """The operators' command on this test's namespace."""
        return await run_vigie(self.stack, self.namespace, *args)

    async def sign_up_and_confirm(self, page: Page) -> dict[str, Any]:
        """Signs up on `page` and confirms from the email; returns the confirmation email."""
        await _sign_up(page, self.base, self.address)
        [confirmation] = await self.mail.wait_for(self.address, count=1)
        await page.goto(link(confirmation, "/signup/confirm/"))
        await page.get_by_role("button", name="Confirmer mon inscription").click()
        await expect(page.locator("h1")).to_have_text("Adresse confirmée")
        return confirmation

    async def push(self, tender: dict[str, Any]) -> str:
        """Pushes a tender through the ingest API; returns its uid."""
        async with self.pipeline.ingest_client() as client:
            pushed = await client.post("/v1/tenders", json=tender)
        assert pushed.status_code == 202, pushed.text
        uid: str = pushed.json()["uid"]
        return uid


def link(email: dict[str, Any], pattern: str) -> str:
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
