"""The README's main job, `vigie demo`, run as a person would: four emails come out."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack_clients import StackEndpoints
from vigie.services_runner import stop_services
from vigie_stack.config import StackConfig


@pytest.fixture
def demo_env(stack: StackEndpoints, namespace: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    # Its own stack dir: the servers already running are used as they are, and the services
    # the demo starts are stopped here, not left to the next test.
    stack_dir = (tmp_path / "stack").resolve()
    # A database and topics of its own, as empty as on a fresh machine.
    yield {
        **os.environ,
        "VIGIE_STACK_DIR": str(stack_dir),
        "COLUMNS": "200",
        "VIGIE_MONGODB_URL": stack.mongo_url(namespace),
        "VIGIE_TOPIC_PREFIX": f"{namespace}.",
    }
    stop_services(dataclasses.replace(StackConfig.from_env(), stack_dir=stack_dir))


async def test_demo_shows_the_emails_of_the_pushed_tenders(demo_env: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vigie.cli",
        "demo",
        "--timeout",
        "60",
        env=demo_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=Path(__file__).parents[2],
    )
    output = (await asyncio.wait_for(process.communicate(), 180))[0].decode()
    assert process.returncode == 0, output
    assert "4 of 4 expected emails captured" in output
    for subject in (
        "Entretien ménager des bâtiments municipaux",
        "Printing of the municipal newsletter",
        "Service de traiteur pour les événements municipaux",
    ):
        assert subject in output
