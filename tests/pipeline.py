"""The three services run in the test's event loop against the real stack, one namespace each."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from ingest.bootstrap import bootstrap as bootstrap_ingest
from ingest.publishers import PublisherDirectory
from ingest.settings import IngestSettings
from matcher.bootstrap import MatcherService
from matcher.bootstrap import bootstrap as bootstrap_matcher
from matcher.settings import MatcherSettings
from notifier.bootstrap import NotifierService
from notifier.bootstrap import bootstrap as bootstrap_notifier
from notifier.settings import NotifierSettings
from shared.enterprises import Enterprise
from shared.kafka.consumer import RetryPolicy
from shared.kafka.enterprise_changes import enterprise_announcer
from shared.mongo import database, make_client
from shared.settings import CommonSettings
from tests.stack_clients import TEST_PEPPER, TEST_SIGNING_KEY, StackEndpoints, free_port
from vigie.enterprise_store import upsert_enterprises

FAST_RETRY = RetryPolicy(attempts=3, base_seconds=0.05, cap_seconds=0.2)


@dataclass
class Pipeline:
    namespace: str
    settings: dict[str, Any]
    ingest_url: str | None
    api_key: str
    matcher: MatcherService | None
    notifier: NotifierService | None

    def topic(self, name: str) -> str:
        return f"{self.settings['topic_prefix']}{name}"

    def ingest_client(self) -> httpx.AsyncClient:
        """An HTTP client of ingest, authenticated as the Longueuil publisher."""
        return httpx.AsyncClient(
            base_url=self.ingest_url or "",
            timeout=15,
            headers={"Authorization": f"Bearer {self.api_key}"},
        )


def namespace_settings(stack: StackEndpoints, namespace: str) -> dict[str, Any]:
    return {
        "kafka_bootstrap": stack.kafka_bootstrap,
        "mongodb_url": stack.mongo_url(namespace),
        "topic_prefix": f"{namespace}.",
        "log_format": "console",
    }


async def write_enterprises(
    stack: StackEndpoints, namespace: str, enterprises: list[Enterprise]
) -> None:
    """Write enterprises as the import does: to MongoDB, then announced to running matchers."""
    settings = CommonSettings(**namespace_settings(stack, namespace))
    client = make_client(settings.mongodb_url)
    try:
        async with enterprise_announcer(settings) as announce:
            await upsert_enterprises(
                database(client, settings.mongodb_url), enterprises, announce=announce
            )
    finally:
        await client.close()


async def _longueuil_publisher(mongodb_url: str) -> str:
    client = make_client(mongodb_url)
    try:
        directory = PublisherDirectory(database(client, mongodb_url), TEST_PEPPER)
        await directory.ensure_indexes()
        _, key = await directory.add("Longueuil", ["ville-longueuil"], ["longueuil"])
        return key
    finally:
        await client.close()


@asynccontextmanager
async def running_pipeline(
    stack: StackEndpoints,
    namespace: str,
    *,
    ingest: bool = True,
    matcher: bool = True,
    notifier: bool = True,
    smtp_port: int | None = None,
    matcher_full_reload_seconds: float = 3600.0,
) -> AsyncIterator[Pipeline]:
    common = namespace_settings(stack, namespace)
    matcher_service = (
        bootstrap_matcher(
            MatcherSettings(
                **common,
                matcher_group_id=f"{namespace}-matcher",
                matcher_full_reload_seconds=matcher_full_reload_seconds,
            ),
            retry=FAST_RETRY,
        )
        if matcher
        else None
    )
    notifier_service = (
        bootstrap_notifier(
            NotifierSettings(
                **common,
                notifier_group_id=f"{namespace}-notifier",
                smtp_host=stack.smtp_host,
                smtp_port=smtp_port or stack.smtp_port,
                unsubscribe_signing_key=TEST_SIGNING_KEY,
            ),
            retry=FAST_RETRY,
        )
        if notifier
        else None
    )
    services = [s for s in (matcher_service, notifier_service) if s is not None]
    server: uvicorn.Server | None = None
    serving: asyncio.Task[None] | None = None
    ingest_url = None
    api_key = await _longueuil_publisher(common["mongodb_url"])
    for service in services:
        await service.start()
    try:
        if ingest:
            port = free_port()
            server = uvicorn.Server(
                uvicorn.Config(
                    bootstrap_ingest(IngestSettings(**common, api_key_pepper=TEST_PEPPER)),
                    host="127.0.0.1",
                    port=port,
                    log_level="warning",
                    lifespan="on",
                )
            )
            serving = asyncio.create_task(server.serve())
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.05)
            ingest_url = f"http://127.0.0.1:{port}"
        yield Pipeline(namespace, common, ingest_url, api_key, matcher_service, notifier_service)
    finally:
        if server is not None and serving is not None:
            server.should_exit = True
            await serving
        for service in services:
            await service.stop()
