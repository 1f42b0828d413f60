"""From sign-up to a profile of one's own, in a real browser over the whole pipeline: an
enterprise signs up, confirms from the captured email, an operator verifies it, it follows the
verification email to its portal, narrows its profile with both pickers, and the next tender
pushed through the ingest API that fits the new profile reaches it."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from notifier.signup_form import enterprise_id_for
from tests.e2e.notifier.test_signup_to_reach import _link, _sign_up, site
from tests.factories import tender_data
from tests.pipeline import Pipeline
from tests.stack_clients import MailSink, StackEndpoints
from tests.vigie_command import run_vigie

__all__ = ["site"]  # the pipeline fixture, shared with the sign-up-to-reach test


async def test_sign_up_confirm_verify_edit_the_profile_then_the_alert(
    stack: StackEndpoints,
    namespace: str,
    mail: MailSink,
    browser: Browser,
    site: tuple[Pipeline, str],
) -> None:
    pipeline, base = site
    address = f"coop-{namespace}@example.org"
    page = await browser.new_page()
    await _sign_up(page, base, address)
    [confirmation] = await mail.wait_for(address, count=1)
    await page.goto(_link(confirmation, "/signup/confirm/"))
    await page.get_by_role("button", name="Confirmer mon inscription").click()
    await expect(page.locator("h1")).to_have_text("Adresse confirmée")
    code, said = await run_vigie(
        stack, namespace, "enterprises", "verify", enterprise_id_for(address), "--by", "Opératrice"
    )
    assert code == 0, said
    [verified] = [
        m for m in await mail.wait_for(address, count=2) if "vérifiée" in str(m["subject"])
    ]

    await page.goto(_link(verified, "/preferences/"))
    await page.get_by_role("link", name="Modifier les codes, mots-clés et territoires").click()
    await page.get_by_role("link", name="Modifier").first.click()
    # The code picker by keyboard, the territory picker by mouse.
    await page.get_by_role("combobox", name="Chercher un code").fill("services nettoyage")
    await expect(page.get_by_role("option").first).to_have_text(
        "CPV 90910000 — Services de nettoyage"
    )
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    await page.get_by_role("combobox", name="Chercher un territoire").fill("longueuil")
    await page.get_by_role("option", name="Agglomération de Longueuil").click()
    await page.get_by_label("Au moins un de ces mots").fill("")  # codes alone from now on
    await page.get_by_role("button", name="Enregistrer le profil").first.click()
    await expect(page.locator("#saved")).to_be_visible()
    await page.close()

    title = f"Nettoyage de l'aréna {namespace}"
    tender = tender_data(
        title=title,
        description="Lavage des surfaces.",
        classifications=[{"scheme": "CPV", "code": "90911200-8"}],
    )
    async with pipeline.ingest_client() as client:
        pushed = await client.post("/v1/tenders", json=tender)
    assert pushed.status_code == 202, pushed.text
    messages = await mail.wait_for(address, count=3, within=60)
    assert [m for m in messages if str(m["subject"]).startswith(title)]
