"""Operations of the three services run as operators run them (separate processes): each
exposes its own series on /metrics once a tender flowed through, and one trace in Zipkin
follows that tender from `POST /v1/tenders` to the email across the three."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import enterprise_data, tender_data
from tests.stack_clients import SERVICES, MailSink, StackEndpoints
from tests.vigie_command import services_env, vigie
from vigie_stack.config import StackConfig


@pytest.fixture
def zipkin_url() -> str:
    """Zipkin of the local stack (`vigie stack up --with tracing`, VIGIE_STACK_ZIPKIN_PORT)."""
    url = StackConfig.from_env().zipkin_url
    try:
        httpx.get(f"{url}/health", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"Zipkin does not answer at {url} ({exc!r}): vigie stack up --with tracing")
    return url


def url_of(env: dict[str, str], service: str) -> str:
    return f"http://127.0.0.1:{env[f'VIGIE_{service.upper()}_PORT']}"


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The processes a test starts; killed after it."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def spawn(env: dict[str, str], tmp_path: Path, name: str) -> subprocess.Popen[bytes]:
    with (tmp_path / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", name], env=env, stdout=log, stderr=subprocess.STDOUT
        )


async def run_services(
    env: dict[str, str], tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    """The three services as processes, returning once each is ready."""
    started.extend(spawn(env, tmp_path, name) for name in SERVICES)
    async with httpx.AsyncClient(timeout=5) as client:
        for name in SERVICES:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await client.get(f"{url_of(env, name)}/health/ready")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / f"{name}.log").read_text()
                await asyncio.sleep(0.3)


async def vigie_ok(env: dict[str, str], *args: str) -> str:
    code, output = await vigie(env, *args)
    assert code == 0, output
    return output


async def send_one_tender(
    env: dict[str, str], tmp_path: Path, mail: MailSink, headers: dict[str, str]
) -> None:
    """One enterprise, one publisher, one tender pushed with `headers`; returns once the
    enterprise received its email."""
    enterprise = enterprise_data(language="fr")
    (tmp_path / "enterprises.jsonl").write_text(json.dumps(enterprise) + "\n")
    await vigie_ok(env, "enterprises", "import", str(tmp_path / "enterprises.jsonl"))
    output = await vigie_ok(
        env, "publishers", "add", "Longueuil", "--buyer", "ville-longueuil", "--source", "longueuil"
    )
    key = output.strip().splitlines()[-1]
    async with httpx.AsyncClient(base_url=url_of(env, "ingest"), timeout=30) as client:
        response = await client.post(
            "/v1/tenders",
            json=tender_data(title="Déneigement"),
            headers={"Authorization": f"Bearer {key}", **headers},
        )
    assert response.status_code == 202, response.text
    assert len(await mail.wait_for(enterprise["contacts"]["email"], count=1, within=60)) == 1


def samples(text: str, name: str, **labels: str) -> list[float]:
    """The values of `name`'s samples whose labels include `labels`."""
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    found = []
    for line in text.splitlines():
        series, _, number = line.rpartition(" ")
        if series.split("{")[0] == name and all(label in series for label in wanted):
            found.append(float(number))
    return found


async def test_each_service_exposes_its_own_kafka_and_domain_series(
    stack: StackEndpoints,
    namespace: str,
    mail: MailSink,
    tmp_path: Path,
    started: list[subprocess.Popen[bytes]],
) -> None:
    env = services_env(stack, namespace)
    await run_services(env, tmp_path, started)
    await send_one_tender(env, tmp_path, mail, {})
    tenders, matches = f"{namespace}.vigie.tenders.v1", f"{namespace}.vigie.matches.v1"
    async with httpx.AsyncClient(timeout=5) as client:
        scraped = {
            name: (await client.get(f"{url_of(env, name)}/metrics")).text for name in SERVICES
        }
    ingest, matcher, notifier = (scraped[name] for name in SERVICES)

    assert samples(ingest, "vigie_tenders_total", source="api", outcome="accepted") == [1]
    assert sum(samples(ingest, "faststream_published_messages_total", destination=tenders)) == 1
    assert samples(ingest, "vigie_matches_total") == []  # a registry per process

    assert sum(samples(matcher, "faststream_received_messages_total", handler=tenders)) == 1
    assert samples(matcher, "faststream_received_processed_messages_total", status="acked")
    assert samples(matcher, "vigie_matches_total", kind="new") == [1]
    assert samples(matcher, "vigie_matcher_index_profiles") == [1]
    assert samples(matcher, "vigie_matcher_index_refreshed_timestamp_seconds")[0] > 0

    assert sum(samples(notifier, "faststream_received_messages_total", handler=matches)) == 1
    assert samples(notifier, "vigie_deliveries_total", channel="email", status="sent") == [1]
    assert samples(notifier, "vigie_provider_call_seconds_count", channel="email") == [1]
    [latency] = samples(notifier, "vigie_end_to_end_seconds_sum", channel="email")
    assert 0 < latency < 60


async def test_one_trace_follows_a_tender_through_the_three_services(
    stack: StackEndpoints,
    namespace: str,
    mail: MailSink,
    tmp_path: Path,
    started: list[subprocess.Popen[bytes]],
    zipkin_url: str,
) -> None:
    """The test starts the trace itself (a W3C traceparent on the request), so it knows its id;
    the services carry it through Kafka's headers and export their spans to Zipkin."""
    env = services_env(
        stack,
        namespace,
        VIGIE_TRACES_EXPORTER="zipkin",
        VIGIE_TRACES_ENDPOINT=f"{zipkin_url}/api/v2/spans",
    )
    await run_services(env, tmp_path, started)
    trace_id = secrets.token_hex(16)
    await send_one_tender(env, tmp_path, mail, {"traceparent": f"00-{trace_id}-{'1' * 16}-01"})

    spans: list[dict[str, Any]] = []
    services: set[str] = set()
    deadline = time.monotonic() + 40  # spans leave each process in batches, every 5 s
    async with httpx.AsyncClient(base_url=zipkin_url, timeout=30) as zipkin:
        while services != {"vigie-ingest", "vigie-matcher", "vigie-notifier"}:
            assert time.monotonic() < deadline, f"services in the trace: {sorted(services)}"
            await asyncio.sleep(1)
            answer = await zipkin.get(f"/api/v2/trace/{trace_id}")
            spans = answer.json() if answer.status_code == 200 else []
            services = {span["localEndpoint"]["serviceName"] for span in spans}
    names = {(span["localEndpoint"]["serviceName"], span.get("name", "")) for span in spans}
    assert ("vigie-ingest", "post /v1/tenders") in names
    assert any(service == "vigie-matcher" and "record" in name for service, name in names)
    assert any(service == "vigie-notifier" and "record" in name for service, name in names)
    assert {span["traceId"] for span in spans} == {trace_id}
    mongodb = f"{namespace}."  # PyMongo's spans are named database.command
    assert any(service == "vigie-ingest" and name.startswith(mongodb) for service, name in names)
    for name in ("ingest", "matcher"):  # their log lines of this tender carry the trace id
        lines = (tmp_path / f"{name}.log").read_text().splitlines()
        logged = [json.loads(line) for line in lines if line.startswith("{")]
        assert any(line.get("trace_id") == trace_id for line in logged), name
