"""The README's main job, `vigie demo`, run as a person would: four emails come out, every run.

The demo runs here beside whatever else uses the machine (another `vigie demo` included): the
stack already up is used as it is, and the services it starts listen on free ports.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack_clients import StackEndpoints, free_service_ports, vigie_env
from vigie.services_runner import stop_services
from vigie_stack.config import StackConfig

SUBJECTS = (
    "Entretien ménager des bâtiments municipaux",
    "Printing of the municipal newsletter",
    "Service de traiteur pour les événements municipaux",
)


@pytest.fixture
def demo_env(stack: StackEndpoints, namespace: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    # Its own stack dir: the servers already running are used as they are, and the services
    # the demo starts are stopped here, not left to the next test.
    stack_dir = (tmp_path / "stack").resolve()
    # A database, topics, consumer groups and ports of its own, as on a fresh machine.
    yield vigie_env(
        stack, namespace, VIGIE_STACK_DIR=str(stack_dir), COLUMNS="200", **free_service_ports()
    )
    stop_services(dataclasses.replace(StackConfig.from_env(), stack_dir=stack_dir))


async def _demo(env: dict[str, str]) -> tuple[int | None, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vigie.cli",
        "demo",
        "--timeout",
        "60",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=Path(__file__).parents[2],
    )
    output = (await asyncio.wait_for(process.communicate(), 180))[0].decode()
    return process.returncode, output


async def test_demo_shows_the_emails_of_the_pushed_tenders_every_run(
    demo_env: dict[str, str],
) -> None:
    first_code, first = await _demo(demo_env)
    assert first_code == 0, first
    assert "4 of 4 expected emails captured" in first
    for subject in SUBJECTS:
        assert subject in first
    # Run again: the services already running are reused, and only this run's mail counts
    # (the first run's four emails are still in the sink).
    second_code, second = await _demo(demo_env)
    assert second_code == 0, second
    assert "ingest: already running" in second
    assert "4 of 4 expected emails captured" in second
    assert f"127.0.0.1:{demo_env['VIGIE_INGEST_PORT']}/docs" in second


async def test_demo_refuses_a_taken_port_naming_it(demo_env: dict[str, str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        code, output = await _demo({**demo_env, "VIGIE_NOTIFIER_PORT": str(taken)})
    assert code == 1, output
    assert f"notifier not started: notifier cannot listen on 127.0.0.1:{taken}" in output
    assert "VIGIE_NOTIFIER_PORT" in output
    # Nothing was started: no half-running pipeline is left behind.
    assert "ingest: started" not in output
    config = dataclasses.replace(
        StackConfig.from_env(), stack_dir=Path(demo_env["VIGIE_STACK_DIR"])
    )
    assert stop_services(config) == []
