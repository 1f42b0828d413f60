"""`--with monitoring` and `--with tracing` on a stack dir of the test's own: a real Prometheus
scrapes every replica of the three services and the lag exporter, all `up`; Zipkin answers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.stack_clients import free_port
from tests.vigie_command import vigie

JOBS = {"vigie-ingest": 1, "vigie-matcher": 2, "vigie-notifier": 1, "vigie-lag-exporter": 1}


async def _targets(prometheus: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"{prometheus}/api/v1/targets", params={"state": "active"})
    targets: list[dict[str, Any]] = response.json()["data"]["activeTargets"]
    return targets


async def _all_up(prometheus: str, within: float) -> dict[str, list[str]]:
    """Each job's targets' health once every expected target is up, or as it is after `within`."""
    deadline = time.monotonic() + within
    while True:
        health: dict[str, list[str]] = {}
        for target in await _targets(prometheus):
            health.setdefault(target["labels"]["job"], []).append(target["health"])
        done = all(health.get(job) == ["up"] * count for job, count in JOBS.items())
        if done or time.monotonic() > deadline:
            return health
        await asyncio.sleep(1)


async def test_prometheus_scrapes_every_replica_and_the_exporter(
    operator_env: dict[str, str],
) -> None:
    env = {
        **operator_env,
        "VIGIE_STACK_PROMETHEUS_PORT": str(free_port()),
        "VIGIE_STACK_EXPORTER_PORT": str(free_port()),
        "VIGIE_STACK_ZIPKIN_PORT": str(free_port()),
    }
    prometheus = f"http://127.0.0.1:{env['VIGIE_STACK_PROMETHEUS_PORT']}"
    code, output = await vigie(env, "services", "up", "--replicas", "matcher=2")
    assert code == 0, output
    # The extras start here; `--only exporter` keeps the shared stack's servers out of it (they
    # run already, and on a busy machine re-probing them is not what this test is about).
    code, output = await vigie(
        env, "stack", "up", "--only", "exporter", "--with", "monitoring", "--with", "tracing"
    )
    try:
        assert code == 0, output
        health = await _all_up(prometheus, within=90)
        assert {job: health.get(job) for job in JOBS} == {
            job: ["up"] * count for job, count in JOBS.items()
        }
        async with httpx.AsyncClient(timeout=5) as client:
            rules = (await client.get(f"{prometheus}/api/v1/rules")).json()["data"]["groups"]
            zipkin = await client.get(f"http://127.0.0.1:{env['VIGIE_STACK_ZIPKIN_PORT']}/health")
        names = {rule["name"] for group in rules for rule in group["rules"]}
        assert {"VigieConsumerLagRising", "VigieServiceDown", "VigieDeadLettersGrowing"} <= names
        assert zipkin.status_code == 200
    finally:
        code, output = await vigie(
            env, "stack", "down", "--only", "exporter", "--only", "prometheus", "--only", "zipkin"
        )
    assert code == 0, output
    assert "prometheus: stopped" in output
