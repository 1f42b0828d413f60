"""Test-side clients of the local stack: endpoints, the mail sink's API, reading a topic."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord

from vigie_stack.config import StackConfig
from vigie_stack.stack import ensure_up


@dataclass(frozen=True)
class StackEndpoints:
    kafka_bootstrap: str
    mongo_base_url: str
    smtp_host: str
    smtp_port: int
    mail_api_url: str

    def mongo_url(self, database: str) -> str:
        return f"{self.mongo_base_url.rstrip('/')}/{database}"


def start_stack() -> StackEndpoints:
    config = StackConfig.from_env()
    ensure_up()
    return StackEndpoints(
        config.kafka_bootstrap, config.mongo_url, config.host, config.smtp_port, config.mail_api_url
    )


class MailSink:
    """Reads what the SMTP capture server received, through its HTTP API."""

    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    async def messages_to(self, address: str) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.api_url, timeout=5) as client:
            listing = (await client.get("/api/messages")).json()
            wanted = [m for m in listing if any(address in to for to in m["to"])]
            return [(await client.get(f"/api/messages/{m['id']}")).json() for m in wanted]

    async def wait_for(
        self, address: str, count: int = 1, within: float = 30.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + within
        while True:
            messages = await self.messages_to(address)
            if len(messages) >= count or time.monotonic() > deadline:
                return messages
            await asyncio.sleep(0.2)


async def read_topic(
    bootstrap: str, topic: str, count: int, within: float = 20.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Up to `count` records from the start of a topic, waiting at most `timeout` seconds."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + within
    try:
        while len(records) < count and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def produce(bootstrap: str, topic: str, value: bytes, key: bytes | None = None) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()
