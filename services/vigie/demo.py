"""`vigie demo`: the stack, the three services, demo enterprises and tenders, and the emails."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from ingest.publishers import PublisherDirectory
from shared.kafka.enterprise_changes import enterprise_announcer
from shared.mongo import make_client
from shared.settings import CommonSettings
from vigie.demo_tenders import DEMO_BUYER_IDS, DEMO_SOURCES, demo_tenders
from vigie.enterprise_file import parse_enterprises
from vigie.enterprise_store import upsert_enterprises
from vigie.services_runner import log_tail, start_services, wait_for_ingest
from vigie_stack import stack
from vigie_stack.config import StackConfig

DEMO_ENTERPRISES = Path(__file__).parent / "demo_data" / "enterprises.json"
INGEST_URL = "http://127.0.0.1:8080"
EXPECTED_EMAILS = 4


def _dev_secret(config: StackConfig, name: str) -> str:
    """A secret made once for this local stack (kept in its folder), never a built-in one."""
    path = config.run_dir / f"dev-{name}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _service_env(config: StackConfig) -> dict[str, str]:
    return {
        "VIGIE_KAFKA_BOOTSTRAP": config.kafka_bootstrap,
        # The stack's `vigie` database, unless VIGIE_MONGODB_URL names another.
        "VIGIE_MONGODB_URL": os.environ.get("VIGIE_MONGODB_URL")
        or f"{config.mongo_url.rstrip('/')}/vigie",
        "VIGIE_SMTP_HOST": config.host,
        "VIGIE_SMTP_PORT": str(config.smtp_port),
        "VIGIE_API_KEY_PEPPER": _dev_secret(config, "api-key-pepper"),
        "VIGIE_UNSUBSCRIBE_SIGNING_KEY": _dev_secret(config, "unsubscribe-signing-key"),
    }


async def _load_demo_data(env: dict[str, str]) -> tuple[int, str]:
    """Imports the demo enterprises and creates the demo publisher; returns its API key."""
    enterprises, rejected = parse_enterprises(DEMO_ENTERPRISES.read_text(encoding="utf-8"))
    if rejected:
        raise RuntimeError(f"demo enterprises file is invalid: {rejected}")
    client = make_client(env["VIGIE_MONGODB_URL"])
    try:
        db = client.get_default_database()
        settings = CommonSettings(
            kafka_bootstrap=env["VIGIE_KAFKA_BOOTSTRAP"], mongodb_url=env["VIGIE_MONGODB_URL"]
        )
        async with enterprise_announcer(settings) as announce:
            count = await upsert_enterprises(db, enterprises, announce=announce)
        directory = PublisherDirectory(db, env["VIGIE_API_KEY_PEPPER"])
        await directory.ensure_indexes()
        _, key = await directory.add(
            "Agglomération de Longueuil (démo)", DEMO_BUYER_IDS, DEMO_SOURCES
        )
        return count, key
    finally:
        await client.close()


def _mail_ids(api: str) -> set[str]:
    return {m["id"] for m in httpx.get(f"{api}/api/messages", timeout=5).json()}


def _push_tenders(console: Console, api_key: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    table = Table("tender uid", "title", "ingest answered")
    headers = {"Authorization": f"Bearer {api_key}"}
    for tender in demo_tenders(datetime.now(UTC), stamp):
        response = httpx.post(f"{INGEST_URL}/v1/tenders", json=tender, headers=headers, timeout=15)
        uid = response.json().get("uid", "?") if response.status_code == 202 else "-"
        table.add_row(uid, tender["title"], str(response.status_code))
    console.print(table)


def _wait_for_emails(api: str, before: set[str], timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    new: list[str] = []
    while time.monotonic() < deadline:
        new = sorted(_mail_ids(api) - before)
        if len(new) >= EXPECTED_EMAILS:
            break
        time.sleep(0.5)
    return [httpx.get(f"{api}/api/messages/{mid}", timeout=5).json() for mid in new]


def _show(console: Console, emails: list[dict[str, Any]]) -> None:
    for email in emails:
        header = f"To: {', '.join(email.get('to', []))}\nSubject: {email.get('subject', '')}"
        console.print(Panel(f"{header}\n\n{email.get('text', '')}", expand=False))


def run_demo(console: Console, timeout: float = 90.0) -> int:
    config = StackConfig.from_env()
    console.rule("1. Local stack: Kafka, FerretDB, SMTP capture")
    failed = [r for r in stack.up(config=config, say=console.print) if not r.ok]
    if failed:
        for result in failed:
            console.print(f"[red]{result.name} did not start: {result.message}")
            console.print("\n".join(result.log_tail))
        return 1
    console.rule("2. Vigie services: ingest, matcher, notifier")
    env = _service_env(config)
    for service in start_services(config, env):
        console.print(
            f"{service.name}: {'started' if service.started else 'already running'} "
            f"(pid {service.pid}, log {service.log})"
        )
    try:
        wait_for_ingest(INGEST_URL)
    except RuntimeError as exc:
        console.print(f"[red]{exc}\n" + "\n".join(log_tail(config, "ingest")))
        return 1
    console.rule("3. Social-economy enterprises of the Longueuil agglomeration")
    count, api_key = asyncio.run(_load_demo_data(env))
    console.print(
        f"{count} enterprises imported from {DEMO_ENTERPRISES.name}; "
        "publisher 'agglomeration-de-longueuil-demo' created"
    )
    console.rule("4. Calls for tenders pushed to the HTTP API")
    before = _mail_ids(config.mail_api_url)
    _push_tenders(console, api_key)
    console.rule("5. Emails that came out the other end")
    emails = _wait_for_emails(config.mail_api_url, before, timeout)
    _show(console, emails)
    console.print(f"{len(emails)} of {EXPECTED_EMAILS} expected emails captured.")
    console.print(
        f"The stack keeps running: mail at {config.mail_api_url}, API docs at "
        f"{INGEST_URL}/docs. Stop everything with `vigie stack down`."
    )
    return 0 if len(emails) >= EXPECTED_EMAILS else 1
