"""The services as operators run them: separate processes configured by VIGIE_ variables."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.factories import enterprise_data, tender_data
from tests.stack_clients import MailSink, StackEndpoints
from tests.vigie_command import services_env, vigie
from vigie.services_runner import wait_for_ingest


@pytest.fixture
def service_env(stack: StackEndpoints, namespace: str) -> dict[str, str]:
    return services_env(stack, namespace)


@pytest.fixture
def services(
    service_env: dict[str, str], tmp_path: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    started = []
    for name in ("ingest", "matcher", "notifier"):
        log = (tmp_path / f"{name}.log").open("wb")
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", name], env=service_env, stdout=log, stderr=subprocess.STDOUT
            )
        )
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_three_processes_carry_a_tender_to_an_email(
    service_env: dict[str, str],
    services: list[subprocess.Popen[bytes]],
    mail: MailSink,
    tmp_path: Path,
) -> None:
    enterprise = enterprise_data(language="fr")
    enterprises_file = tmp_path / "enterprises.jsonl"
    enterprises_file.write_text(json.dumps(enterprise) + "\n" + '{"id": "broken"}\n')
    code, output = await vigie(service_env, "enterprises", "import", str(enterprises_file))
    assert code == 1, output  # one record was bad
    assert "1 enterprises imported, 1 rejected" in output
    assert "line 2" in output
    ingest_url = f"http://127.0.0.1:{service_env['VIGIE_INGEST_PORT']}"
    wait_for_ingest(ingest_url, timeout=60)
    code, output = await vigie(
        service_env,
        "publishers",
        "add",
        "Ville de Longueuil",
        "--buyer",
        "ville-longueuil",
        "--source",
        "longueuil",
    )
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    async with httpx.AsyncClient(
        base_url=ingest_url, headers={"Authorization": f"Bearer {key}"}
    ) as client:
        response = await client.post("/v1/tenders", json=tender_data(title="Déneigement"))
    assert response.status_code == 202
    emails = await mail.wait_for(enterprise["contacts"]["email"], count=1, within=60)
    assert [e["subject"].split(" — ")[0] for e in emails] == ["Déneigement"]

    for process in services:
        process.send_signal(signal.SIGTERM)
    codes = [process.wait(timeout=30) for process in services]
    # uvicorn re-raises SIGTERM once it has shut down gracefully, hence ingest's -15.
    assert codes == [-signal.SIGTERM, 0, 0]
    assert "Application shutdown complete" in (tmp_path / "ingest.log").read_text()
