"""A real browser for the preference-centre tests: Debian's chromium driven by Playwright; the
sign-up site the sign-up journeys share.

Playwright's own browser download cannot work on these machines, so the system chromium is
launched by path (`VIGIE_TEST_CHROMIUM` overrides it).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from notifier.http_server import WebServer
from tests.e2e.notifier.signup_site import SignupSite
from tests.pipeline import running_pipeline
from tests.stack_clients import MailSink, StackEndpoints, free_port

CHROMIUM = os.environ.get("VIGIE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_PRESENT = Path(CHROMIUM).exists()
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
    "--no-first-run",
]


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM_PRESENT:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture
async def site(
    stack: StackEndpoints, namespace: str, mail: MailSink, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SignupSite]:
    """The whole pipeline, with the notifier's pages on a real port that its links name."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("VIGIE_PUBLIC_BASE_URL", base)
    async with running_pipeline(stack, namespace) as pipeline:
        assert pipeline.notifier is not None
        server = WebServer(pipeline.notifier.app, "127.0.0.1", port)
        await server.start()
        try:
            yield SignupSite(pipeline, base, stack, namespace, mail)
        finally:
            await server.stop()
