"""Screenshots of the public sign-up page for docs/, in headless Chromium.

    python tools/screenshot_signup.py [--chromium /usr/bin/chromium]

Serves the sign-up pages on a free local port over in-memory storage and a mailbox that keeps
nothing, so no stack is needed; then takes the empty form at a phone's size (390×844) and a
desktop's (1280×900), and the form with its errors at a phone's size, into docs/screenshots/.
Look at them after a change of the pages: they are checked by eye, not by a test.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from playwright.async_api import async_playwright

from notifier.action_tokens import ActionSigner
from notifier.links import LinkBuilder
from notifier.render import RenderedEmail, Sender
from notifier.signing import LinkSigner
from notifier.signup import SignupDesk, signup_router
from notifier.signup_limits import KeyedLimit, SignupLimits
from shared.enterprises import Enterprise
from tools.page_server import served

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--no-first-run"]


class NoStore:
    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        return None

    async def holder_of(self, enterprise_id: str, email: str) -> Enterprise | None:
        return None

    async def save_pending(self, *args: Any) -> None:
        """Nothing is kept: the screenshots stop at the form."""

    async def pending(self, enterprise_id: str, nonce: str) -> dict[str, Any] | None:
        return None

    async def confirm(self, enterprise: Enterprise) -> bool:
        return False


class NoMail:
    sender = Sender("Vigie", "alertes@vigie.example", "Longueuil", "aide@vigie.example")

    async def send(self, to: str, email: RenderedEmail, message_id: str) -> None:
        """Nothing is sent."""


def _app() -> FastAPI:
    signer = LinkSigner("docs-screenshots-key")
    desk = SignupDesk(
        NoStore(),
        NoMail(),
        ActionSigner(signer),
        LinkBuilder(signer, "http://127.0.0.1", "x@vigie.example"),
        SignupLimits(KeyedLimit(1000, 1000), KeyedLimit(1000, 1000)),
        lambda: datetime.now(UTC),
        "http://127.0.0.1",
    )
    app = FastAPI()
    app.include_router(signup_router(desk))
    return app


async def _pages(base: str, chromium: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        for size, (width, height) in SIZES.items():
            page = await browser.new_page(viewport={"width": width, "height": height})
            await page.goto(f"{base}/signup?lang=fr")
            await page.get_by_label("Nom de l'entreprise").focus()
            path = OUTPUT / f"signup-{size}.png"
            await page.screenshot(path=str(path), full_page=True)
            print(path)
            if size == "phone":
                await page.get_by_label("Nom de l'entreprise").fill("Coop Ménage Rive-Sud")
                await page.get_by_label("SIRET (France, 14 chiffres)").fill("732 829 320 00075")
                await page.get_by_label("Courriel *", exact=True).fill("info@coop")
                await page.get_by_role("button", name="M'inscrire").click()
                await page.locator("#error-summary").wait_for()
                path = OUTPUT / "signup-errors-phone.png"
                await page.screenshot(path=str(path), full_page=True)
                print(path)
            await page.close()
        await browser.close()


async def main(chromium: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    async with served(_app()) as base:
        await _pages(base, chromium)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    asyncio.run(main(parser.parse_args().chromium))
