"""Readiness probes: each one raises unless the server really does its job.

An open port is not enough: Kafka accepts TCP connections well before the broker serves
metadata, and a foreign process may hold the port. Every probe speaks the protocol.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import smtplib
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion, also when called from inside a running event loop
    (e.g. an async pytest fixture): there it runs on a private loop in a worker thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


async def _kafka_metadata(bootstrap: str, request_timeout: float) -> None:
    from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped, unused-ignore]

    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(request_timeout * 1000)
    )
    try:
        await admin.start()  # bootstraps: fetches cluster metadata from the broker
        cluster = await admin.describe_cluster()
        if not cluster.get("brokers"):
            raise RuntimeError("broker answered but lists no broker in its metadata")
    finally:
        await admin.close()


def kafka(bootstrap: str, timeout: float = 3.0) -> None:
    """The broker serves cluster metadata (aiokafka admin client)."""
    host, _, port = bootstrap.rpartition(":")
    # aiokafka logs an ERROR for each refused connection: while the port is closed, say
    # "not ready" without it, so that waiting for a booting broker stays quiet.
    with socket.create_connection((host, int(port)), timeout=timeout):
        pass
    run_async(lambda: _kafka_metadata(bootstrap, timeout))


def mongo(url: str, timeout: float = 2.0) -> None:
    """The server answers a MongoDB ``ping`` command."""
    from pymongo import MongoClient

    ms = int(timeout * 1000)
    client: MongoClient[dict[str, Any]] = MongoClient(
        url, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms, directConnection=True
    )
    try:
        client.admin.command("ping")
    finally:
        client.close()


def smtp(host: str, port: int, timeout: float = 2.0) -> None:
    """The SMTP server greets and answers NOOP with 250."""
    with smtplib.SMTP(host, port, timeout=timeout) as conn:
        code, _ = conn.noop()
        if code != 250:
            raise RuntimeError(f"SMTP NOOP answered {code}")


def http_ok(url: str, timeout: float = 2.0) -> None:
    """GET url answers 200."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (loopback URL we built)
        if resp.status != 200:
            raise RuntimeError(f"GET {url} answered {resp.status}")


def http_answers(url: str, timeout: float = 2.0) -> None:
    """GET url gets an HTTP answer of the server itself, whatever its status below 500."""
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 (loopback URL we built)
            return
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise RuntimeError(f"GET {url} answered {exc.code}") from exc
