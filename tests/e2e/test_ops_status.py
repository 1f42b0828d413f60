"""`vigie ops status` against the real stack and services: a poison message shows in the
dead-letter line, and a stopped matcher shows as down with its lag growing, exit status 1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from shared.events import TENDERS_TOPIC
from shared.kafka.topics import dlq_topic
from tests.stack_clients import StackEndpoints, read_topic
from tests.vigie_command import vigie


async def _status(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    code, output = await vigie(env, "ops", "status", "--json", *args)
    return code, json.loads(output)


def _group(report: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [g for g in report["groups"] if g["group"] == name]
    assert len(found) == 1, report["groups"]
    return found[0]


async def _produce_during(bootstrap: str, topic: str, seconds: float) -> int:
    """Produce one record every 0.3 s for `seconds`: a lag that grows while it is measured."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    sent = 0
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await producer.send_and_wait(topic, b'{"kind": "published"}')
            sent += 1
            await asyncio.sleep(0.3)
    finally:
        await producer.stop()
    return sent


async def test_a_poison_message_then_a_stopped_matcher(
    operator_env: dict[str, str], stack: StackEndpoints, namespace: str
) -> None:
    env = {**operator_env, "COLUMNS": "250"}
    code, output = await vigie(env, "services", "up")
    assert code == 0, output
    tenders = f"{namespace}.{TENDERS_TOPIC}"
    matcher = f"{namespace}-matcher"

    # Everything up: healthy (one read suffices to judge the services and the lag).
    code, report = await _status(env, "--interval", "0")
    assert code == 0, report["problems"]
    assert {s["label"] for s in report["services"] if s["running"]} == {
        "ingest",
        "matcher",
        "notifier",
    }

    # A poison tender: the matcher dead-letters it, and the DLQ line says why.
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(tenders, b'{"kind": "published", "tender": 42}')
    finally:
        await producer.stop()
    await read_topic(stack.kafka_bootstrap, dlq_topic(tenders), 1, within=30)
    code, output = await vigie(env, "ops", "status", "--interval", "0")
    assert code == 1, output  # a dead letter younger than the window (an hour by default)
    [line] = [line for line in output.splitlines() if f"{dlq_topic(tenders)} " in line]
    assert "│ 1 " in line, line
    assert "tender" in line, line  # the validation error names the bad field
    code, output = await vigie(env, "ops", "status", "--interval", "0", "--dead-letter-window", "0")
    assert code == 0, output

    # The matcher stops; tenders keep coming.
    pid = int((Path(env["VIGIE_STACK_DIR"]) / "run" / "service-matcher.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    status, sent = await asyncio.gather(
        _status(env, "--interval", "3", "--dead-letter-window", "0"),
        _produce_during(stack.kafka_bootstrap, tenders, 6.0),
    )
    code, report = status
    assert sent > 0
    assert code == 1, report
    [down] = [s for s in report["services"] if s["label"] == "matcher"]
    assert not down["running"]
    group = _group(report, matcher)
    assert group["members"] == 0
    assert group["lag_messages"] > 0
    assert group["lag_change"] > 0
    assert group["committed_change"] == 0
    assert any(
        p.startswith(f"group {matcher}: lag growing") and "nothing committed" in p
        for p in report["problems"]
    ), report["problems"]
    assert "service matcher: not running" in " ".join(report["problems"])
