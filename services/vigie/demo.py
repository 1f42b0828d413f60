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
from vigie.services_runner import dev_secret, listeners, start_services, wait_until_ready
from vigie_stack import stack
from vigie_stack.config import StackConfig

DEMO_ENTERPRISES = Path(__file__).parent / "demo_data" / "enterprises.json"
EXPECTED_EMAILS = 4


def _service_env(config: StackConfig) -> dict[str, str]:
    """What the services need from the stack; hosts and ports (`VIGIE_INGEST_PORT`…) and every
    other setting come from the caller's environment, which the services inherit."""
    notifier = listeners(os.environ)["notifier"]
    return {
        # The links in messages lead to this notifier, unless VIGIE_PUBLIC_BASE_URL says where.
        "VIGIE_PUBLIC_BASE_URL": os.environ.get("VIGIE_PUBLIC_BASE_URL") or notifier.url,
        "VIGIE_KAFKA_BOOTSTRAP": config.kafka_bootstrap,
        # The stack's `vigie` database, unless VIGIE_MONGODB_URL names another.
        "VIGIE_MONGODB_URL": os.environ.get("VIGIE_MONGODB_URL")
        or f"{config.mongo_url.rstrip('/')}/vigie",
        "VIGIE_SMTP_HOST": config.host,
        "VIGIE_SMTP_PORT": str(config.smtp_port),
        "VIGIE_API_KEY_PEPPER": dev_secret(config, "api-key-pepper"),
        "VIGIE_UNSUBSCRIBE_SIGNING_KEY": dev_secret(config, "unsubscribe-signing-key"),
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


def _mail_ids(api: str) -> list[str]:
    return [m["id"] for m in httpx.get(f"{api}/api/messages", timeout=5).json()]


def run_stamp(now: datetime) -> str:
    """Unique to one run (two runs in the same second differ): it makes the tenders new."""
    return f"{now:%Y%m%d%H%M%S}{secrets.token_hex(2)}"


def _push_tenders(console: Console, ingest_url: str, api_key: str) -> list[str]:
    """Pushes this run's tenders; returns the uids ingest accepted."""
    now = datetime.now(UTC)
    table = Table("tender uid", "title", "ingest answered")
    headers = {"Authorization": f"Bearer {api_key}"}
    uids = []
    for tender in demo_tenders(now, run_stamp(now)):
        response = httpx.post(f"{ingest_url}/v1/tenders", json=tender, headers=headers, timeout=15)
        uid = response.json().get("uid", "?") if response.status_code == 202 else "-"
        if response.status_code == 202:
            uids.append(uid)
        table.add_row(uid, tender["title"], str(response.status_code))
    console.print(table)
    return uids


def of_this_run(email: dict[str, Any], uids: list[str]) -> bool:
    """An email about one of this run's tenders: its text names the tender's uid."""
    text = email.get("text") or ""
    return any(uid in text for uid in uids)


def _wait_for_emails(
    api: str, before: set[str], uids: list[str], timeout: float
) -> list[dict[str, Any]]:
    """The captured emails about this run's tenders, once there are as many as expected or
    `timeout` seconds have passed; mail of earlier runs or of anything else is not counted."""
    deadline = time.monotonic() + timeout
    read: set[str] = set(before)
    ours: list[dict[str, Any]] = []
    while True:
        for mid in _mail_ids(api):
            if mid not in read:
                read.add(mid)
                email = httpx.get(f"{api}/api/messages/{mid}", timeout=5).json()
                if of_this_run(email, uids):
                    ours.append(email)
        if len(ours) >= EXPECTED_EMAILS or time.monotonic() >= deadline:
            return ours
        time.sleep(0.5)


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
    ingest_url = listeners(os.environ)["ingest"].url
    services = start_services(config, env)
    problems = [f"{s.name} not started: {s.problem}" for s in services if s.problem]
    if problems:
        console.print("[red]" + "\n".join(problems))
        return 1
    for service in services:
        console.print(
            f"{service.name}: {'started' if service.started else 'already running'} "
            f"(pid {service.pid}, log {service.log})"
        )
    try:
        wait_until_ready(config, services, env)
    except RuntimeError as exc:
        console.print(f"[red]{exc}")
        return 1
    console.rule("3. Social-economy enterprises of the Longueuil agglomeration")
    count, api_key = asyncio.run(_load_demo_data(env))
    console.print(
        f"{count} enterprises imported from {DEMO_ENTERPRISES.name}; "
        "publisher 'agglomeration-de-longueuil-demo' created"
    )
    console.rule("4. Calls for tenders pushed to the HTTP API")
    before = set(_mail_ids(config.mail_api_url))
    uids = _push_tenders(console, ingest_url, api_key)
    console.rule("5. Emails that came out the other end")
    emails = _wait_for_emails(config.mail_api_url, before, uids, timeout)
    _show(console, emails)
    console.print(f"{len(emails)} of {EXPECTED_EMAILS} expected emails captured.")
    console.print(
        f"The stack keeps running: mail at {config.mail_api_url}, API docs at "
        f"{ingest_url}/docs. Stop everything with `vigie stack down`."
    )
    return 0 if len(emails) >= EXPECTED_EMAILS else 1
