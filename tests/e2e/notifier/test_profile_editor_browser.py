"""The profile editor in a real browser: both pickers by keyboard and by mouse, the preview,
the save; and the same without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from playwright.async_api import Browser, Page, expect
from pymongo.asynchronous.database import AsyncDatabase

from notifier.signing import LinkSigner
from shared.mongo import Document
from tests.factories import make_enterprise, make_tender
from tests.integration.notifier.harness import running_notifier
from tests.stack_clients import TEST_SIGNING_KEY, StackEndpoints
from vigie.enterprise_store import upsert_enterprises


async def _store_tenders(db: AsyncDatabase[Document]) -> None:
    ago = datetime.now(UTC) - timedelta(days=10)
    for title, code, place in [
        ("Nettoyage des locaux de Rennes Métropole", "90910000-9", "FR-COM-35238"),
        ("Entretien ménager à Longueuil", "90911200-8", "CA-QC-MUN-58227"),
        ("Nettoyage à Québec", "90910000-9", "CA-QC-MUN-23027"),
    ]:
        tender = make_tender(
            title=title,
            published_at=ago.isoformat(),
            classifications=[{"scheme": "CPV", "code": code}],
            place_of_performance=[place],
        )
        document = {"_id": tender.uid, "status": "open", "tender": tender.model_dump(mode="json")}
        await db["tenders"].insert_one(document)


async def _tab_to(page: Page, element_id: str, most: int = 40) -> None:
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached by Tab")


async def test_pickers_by_keyboard_and_mouse_then_preview_and_save(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], browser: Browser
) -> None:
    enterprise = make_enterprise(language="fr")
    await upsert_enterprises(db, [enterprise])
    await _store_tenders(db)
    token = quote(LinkSigner(TEST_SIGNING_KEY).token(enterprise.id), safe="")
    async with running_notifier(stack, namespace) as notifier:
        page = await browser.new_page()
        await page.goto(f"{notifier.base_url}/portal/{token}/profiles?lang=fr")
        await page.get_by_role("link", name="Modifier p1").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Profil d'alerte")

        # The code picker by keyboard alone: Tab to it, type, arrows, Enter.
        await page.focus("#name")
        await page.keyboard.type("Entretien")
        await _tab_to(page, "code_q")
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"  # the focus is visible
        await page.keyboard.type("services nettoyage")
        combobox = page.get_by_role("combobox", name="Chercher un code")
        await expect(combobox).to_have_attribute("aria-expanded", "true")
        for key in ("ArrowDown", "ArrowDown", "ArrowUp"):
            await page.keyboard.press(key)
        suggestions = page.get_by_role("listbox", name="Suggestions : Chercher un code")
        await expect(suggestions.get_by_role("option", selected=True)).to_have_text(
            "CPV 90910000 — Services de nettoyage"
        )
        await page.keyboard.press("Enter")
        chosen_code = page.locator("#code-chosen input[value='CPV:9091']")
        await expect(chosen_code).to_be_checked()
        await expect(combobox).to_be_focused()

        # The territory picker by mouse.
        await page.get_by_role("combobox", name="Chercher un territoire").click()
        await page.keyboard.type("rennes")
        await page.get_by_role("option", name="Rennes Métropole").click()
        await expect(
            page.locator("#territory-chosen input[value='FR-EPCI-243500139']")
        ).to_be_checked()

        await page.get_by_role("button", name="Voir ce que ce profil aurait capté").click()
        count = page.locator("#preview-count")
        await expect(count).to_have_text(
            "Ce profil aurait capté 2 appels d'offres publiés ces 90 derniers jours."
        )
        caught = await page.locator("#preview li").all_inner_texts()
        await page.get_by_role("button", name="Enregistrer le profil").first.click()
        await expect(page.locator("#saved")).to_be_visible()
        await page.close()

    assert sorted(text.splitlines()[0] for text in caught) == [
        "Entretien ménager à Longueuil",
        "Nettoyage des locaux de Rennes Métropole",
    ]
    stored = await db["enterprises"].find_one({"_id": enterprise.id})
    assert stored is not None
    [profile] = stored["profiles"]
    assert profile["name"] == "Entretien"
    assert profile["codes"] == [
        {"scheme": "UNSPSC", "prefix": "7611"},
        {"scheme": "CPV", "prefix": "9091"},
    ]
    assert profile["territories"] == ["CA-QC-AGG-LONGUEUIL", "FR-EPCI-243500139"]


async def test_without_javascript_the_search_buttons_reload_with_boxes_to_tick(
    stack: StackEndpoints, namespace: str, db: AsyncDatabase[Document], browser: Browser
) -> None:
    enterprise = make_enterprise(language="en")
    await upsert_enterprises(db, [enterprise])
    token = quote(LinkSigner(TEST_SIGNING_KEY).token(enterprise.id), safe="")
    async with running_notifier(stack, namespace) as notifier:
        context = await browser.new_context(java_script_enabled=False)
        page = await context.new_page()
        await page.goto(f"{notifier.base_url}/portal/{token}/profiles/new?lang=en")
        await page.get_by_label("Profile name").fill("Snow")
        await page.get_by_label("Search for a code", exact=True).fill("snow clearing")
        await page.get_by_role("button", name="Search").first.click()
        await page.get_by_label("CPV 90620000 — Snow-clearing services").check()
        await page.get_by_label("Search for a territory", exact=True).fill("monteregie")
        await page.get_by_role("button", name="Search").nth(1).click()
        await expect(page.get_by_label("Profile name")).to_have_value("Snow")  # draft kept
        await expect(page.get_by_label("CPV 90620000 — Snow-clearing services")).to_be_checked()
        await page.get_by_label("Montérégie").check()
        await page.get_by_label("Minimum").fill("abc")
        await page.get_by_role("button", name="Save the profile").last.click()
        await expect(page.locator("#value_min-error")).to_have_text(
            "An amount in figures, such as 150000 or 150,000.50."
        )
        await expect(page.get_by_label("Minimum")).to_have_attribute("aria-invalid", "true")
        await page.get_by_label("Minimum").fill("5 000")
        await page.get_by_role("button", name="Save the profile").last.click()
        await expect(page.locator("#saved")).to_be_visible()
        await context.close()

    stored = await db["enterprises"].find_one({"_id": enterprise.id})
    assert stored is not None
    added = stored["profiles"][1]
    assert (added["name"], added["codes"], added["territories"]) == (
        "Snow",
        [{"scheme": "CPV", "prefix": "9062"}],
        ["CA-QC-RA-16"],
    )
    assert added["value_range"] == {"currency": "CAD", "min": "5000.00", "max": None}
