"""Screenshots of the profile editor and its preview for docs/, in headless Chromium.

    python tools/screenshot_profile_editor.py [--chromium /usr/bin/chromium]

Serves the notifier's pages (the preference centre and the profile editor) on a free local port
over an in-memory enterprise and a few stored calls, so no stack is needed; then takes each
page at a phone's size (390×844) and a desktop's (1280×900) into docs/screenshots/. Look at
them after a change of the pages: they are checked by eye, not by a test.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.async_api import Page, async_playwright

from notifier.profile_editor import profile_router
from notifier.profile_preview import RecentRead
from notifier.signing import LinkSigner
from notifier.web import create_app
from shared.enterprises import AlertProfile, Enterprise, Preferences
from shared.events import Tender
from tools.page_server import served

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--no-first-run"]
NOW = datetime.now(UTC).replace(microsecond=0)

ENTERPRISE = Enterprise.model_validate(
    {
        "id": "coop-rive-sud",
        "name": "Coopérative Entretien Rive-Sud",
        "social_economy": {"kind": "cooperative"},
        "contacts": {"email": "info@coop-rive-sud.example", "phone": "+14505551234"},
        "consent": {"email": {"granted": True, "at": NOW.isoformat(), "source": "signup"}},
        "profiles": [
            {
                "id": "p1",
                "name": "Entretien ménager",
                "codes": [
                    {"scheme": "CPV", "prefix": "9091"},
                    {"scheme": "UNSPSC", "prefix": "7611"},
                ],
                "keywords": {"any": ["entretien ménager", "conciergerie"], "none": ["amiante"]},
                "territories": ["CA-QC-AGG-LONGUEUIL", "CA-QC-RA-16"],
                "value_range": {"currency": "CAD", "max": "500000"},
                "categories": ["services"],
            }
        ],
    }
)


def _tender(title: str, buyer: str, code: str, place: str, days_ago: int) -> Tender:
    return Tender.model_validate(
        {
            "source": "docs",
            "source_id": f"AO-{days_ago}",
            "title": title,
            "language": "fr",
            "buyer": {"name": buyer, "territories": [place]},
            "place_of_performance": [place],
            "classifications": [{"scheme": "CPV" if "-" in code else "UNSPSC", "code": code}],
            "published_at": (NOW - timedelta(days=days_ago)).isoformat(),
            "submission_deadline": (NOW + timedelta(days=30 - days_ago)).isoformat(),
            "deadline_timezone": "America/Toronto",
            "documents_url": "https://seao.example/avis",
        }
    )


TENDERS = [
    _tender("Entretien ménager des bâtiments municipaux", "Ville de Longueuil", "76111500",
            "CA-QC-MUN-58227", 3),
    _tender("Conciergerie du centre culturel", "Ville de Saint-Lambert", "90911200-8",
            "CA-QC-MUN-58012", 12),
    _tender("Nettoyage des vitres de l'hôtel de ville", "Ville de Brossard", "90911300-9",
            "CA-QC-MUN-58007", 41),
    _tender("Déneigement des stationnements", "Ville de Longueuil", "90620000-9",
            "CA-QC-MUN-58227", 20),
]  # fmt: skip


class Store:
    def __init__(self) -> None:
        self.enterprise_ = ENTERPRISE

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        return self.enterprise_ if enterprise_id == ENTERPRISE.id else None

    async def set_consent(self, *args: Any) -> None:
        """The preference centre's consent changes are not shown here."""

    async def save_preferences(
        self, enterprise_id: str, preferences: Preferences, profiles: list[AlertProfile], at: Any
    ) -> None:
        update = {"preferences": preferences, "profiles": profiles}
        self.enterprise_ = self.enterprise_.model_copy(update=update)


class Stored:
    async def published_since(self, since: datetime) -> RecentRead:
        return RecentRead([t for t in TENDERS if t.published_at >= since], complete=True)


async def _shoot(page: Page, name: str, full_page: bool) -> None:
    path = OUTPUT / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    print(path)


async def _pages(base: str, chromium: str) -> None:
    token = quote(LinkSigner("docs-screenshots-key").token(ENTERPRISE.id), safe="")
    editor = f"{base}/portal/{token}/profiles/p1?lang=fr"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        for size, (width, height) in SIZES.items():
            page = await browser.new_page(viewport={"width": width, "height": height})
            await page.goto(editor)
            await page.get_by_role("combobox", name="Chercher un code").fill("traiteur")
            await page.get_by_role("option").first.wait_for()
            await _shoot(page, f"profile-editor-{size}", full_page=True)
            await page.keyboard.press("Escape")
            await page.get_by_role("button", name="Voir ce que ce profil aurait capté").click()
            await page.locator("#preview").scroll_into_view_if_needed()
            await _shoot(page, f"profile-preview-{size}", full_page=False)
            await page.close()
        await browser.close()


async def main(chromium: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    store, signer = Store(), LinkSigner("docs-screenshots-key")
    app = create_app(store, signer)
    app.include_router(profile_router(store, signer, Stored(), lambda: NOW))
    async with served(app) as base:
        await _pages(base, chromium)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    asyncio.run(main(parser.parse_args().chromium))
