"""The preference centre in a real browser, reached from the links of a real email."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime

from playwright.async_api import Browser
from pymongo.asynchronous.database import AsyncDatabase

from notifier.store import SETTLED
from shared.enterprises import Enterprise
from shared.events import MatchEvent
from shared.mongo import Document
from tests.factories import make_enterprise, make_match, make_tender
from tests.integration.notifier.harness import running_notifier
from tests.stack_clients import MailSink, StackEndpoints
from vigie.enterprise_store import upsert_enterprises


def _match(enterprise: Enterprise, title: str) -> MatchEvent:
    return make_match(enterprise, make_tender(title=title), at=datetime.now(UTC))


def _link(email: dict[str, object], path: str) -> str:
    found = re.search(rf'href="([^"]*/{path}/[^"]*)"', str(email["html"]))
    assert found is not None, f"no {path} link in the email"
    return found.group(1).replace("&amp;", "&")


async def _settled(db: AsyncDatabase[Document], match: MatchEvent, within: float = 20) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await db["deliveries"].find_one({"match_id": match.match_id})
        if found and found["status"] in SETTLED:
            return str(found["status"])
        await asyncio.sleep(0.2)
    raise AssertionError(f"no settled delivery for {match.match_id}")


async def test_unsubscribing_in_the_browser_stops_the_next_alert(
    stack: StackEndpoints,
    namespace: str,
    db: AsyncDatabase[Document],
    mail: MailSink,
    browser: Browser,
) -> None:
    enterprise = make_enterprise(language="fr")
    address = str(enterprise.contacts.email)
    await upsert_enterprises(db, [enterprise])
    first, second = _match(enterprise, "Premier appel"), _match(enterprise, "Second appel")
    async with running_notifier(stack, namespace) as notifier:
        await notifier.send_match(first)
        [email] = await mail.wait_for(address, count=1)
        page = await browser.new_page()
        await page.goto(_link(email, "unsubscribe"))
        await page.get_by_role("button", name="Me désabonner").click()
        await page.wait_for_selector("#unsubscribed")
        heading = await page.inner_text("h1")
        await page.close()
        await notifier.send_match(second)
        second_status = await _settled(db, second)

    assert heading == "Désabonnement confirmé"
    assert second_status == "suppressed"
    assert [m["subject"].split(" — ")[0] for m in await mail.messages_to(address)] == [
        "Premier appel"
    ]
    [change] = [c async for c in db["consent"].find({"enterprise_id": enterprise.id})]
    assert (change["channel"], change["granted"], change["source"]) == (
        "email",
        False,
        "unsubscribe-page",
    )
    assert change["at"] > datetime.now(UTC).replace(year=2000)
    stored = await db["enterprises"].find_one({"_id": enterprise.id})
    assert stored is not None
    assert stored["consent"]["email"]["granted"] is False


async def test_managing_channels_and_cadence_in_the_browser(
    stack: StackEndpoints,
    namespace: str,
    db: AsyncDatabase[Document],
    mail: MailSink,
    browser: Browser,
) -> None:
    enterprise = make_enterprise(
        language="fr", contacts={"email": f"{namespace}@example.org", "phone": "+14505551234"}
    )
    await upsert_enterprises(db, [enterprise])
    async with running_notifier(stack, namespace) as notifier:
        await notifier.send_match(_match(enterprise, "Appel"))
        [email] = await mail.wait_for(f"{namespace}@example.org", count=1)
        page = await browser.new_page()
        await page.goto(_link(email, "preferences"))
        await page.get_by_role("link", name="English").click()
        await page.wait_for_selector("text=Your tender alerts")
        await page.get_by_label("Receive alerts by text message at +14505551234").check()
        await page.get_by_role("radio", name="Daily digest").check()
        await page.select_option("select[name=digest_hour]", "7")
        await page.locator("input[name=quiet]").check()
        await page.fill("input[name=quiet_start]", "20:30")
        await page.fill("input[name=quiet_end]", "07:15")
        await page.select_option("select[name=profile-p1-cadence]", "weekly")
        await page.locator("input[name=profile-p1-sms]").uncheck()
        await page.get_by_role("button", name="Save").click()
        await page.wait_for_selector("#saved")
        await page.close()

    stored = await db["enterprises"].find_one({"_id": enterprise.id})
    assert stored is not None
    prefs = stored["preferences"]
    assert (prefs["cadence"], prefs["digest_hour"]) == ("daily", 7)
    assert prefs["quiet_hours"] == {"start": "20:30", "end": "07:15"}
    assert (stored["profiles"][0]["cadence"], stored["profiles"][0]["channels"]) == (
        "weekly",
        ["email"],
    )
    assert stored["consent"]["sms"]["granted"] is True
    assert stored["consent"]["email"]["granted"] is True
    changes = [c async for c in db["consent"].find({"enterprise_id": enterprise.id})]
    assert [(c["channel"], c["granted"], c["source"]) for c in changes] == [
        ("sms", True, "preference-centre")
    ]
