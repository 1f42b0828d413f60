"""From sign-up to a profile of one's own, in a real browser over the whole pipeline: an
enterprise signs up, confirms from the captured email, an operator verifies it, it follows the
verification email to its portal, narrows its profile with both pickers, and the next tender
pushed through the ingest API that fits the new profile reaches it."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from notifier.signup_form import enterprise_id_for
from tests.e2e.notifier.signup_site import SignupSite, link
from tests.factories import tender_data
from tests.stack_clients import MailSink


async def test_sign_up_confirm_verify_edit_the_profile_then_the_alert(
    site: SignupSite, mail: MailSink, browser: Browser
) -> None:
    address = site.address
    page = await browser.new_page()
    await site.sign_up_and_confirm(page)
    code, said = await site.vigie(
        "enterprises", "verify", enterprise_id_for(address), "--by", "Opératrice"
    )
    assert code == 0, said
    [verified] = [
        m for m in await mail.wait_for(address, count=2) if "vérifiée" in str(m["subject"])
    ]

    await page.goto(link(verified, "/preferences/"))
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

    title = f"Nettoyage de l'aréna {site.namespace}"
    tender = tender_data(
        title=title,
        description="Lavage des surfaces.",
        classifications=[{"scheme": "CPV", "code": "90911200-8"}],
    )
    await site.push(tender)
    messages = await mail.wait_for(address, count=3, within=60)
    assert [m for m in messages if str(m["subject"]).startswith(title)]
