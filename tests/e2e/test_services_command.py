"""`vigie services up | status | down` as an operator runs them: replicas of one service share
its consumer group, each replica has its own pidfile and port, and `down` stops them all."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.stack_clients import StackEndpoints, free_port
from vigie.lag_reader import read_snapshot
from vigie.services_runner import stop_services
from vigie_stack.config import StackConfig


def free_port_pair() -> int:
    """A free port whose next one is free too: the base port of a service run twice."""
    for _ in range(50):
        base = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", base + 1))
            except OSError:
                continue
            return base
    raise AssertionError("no two consecutive free ports")


@pytest.fixture
def operator_env(stack: StackEndpoints, namespace: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """An operator's environment: a stack dir of its own (pidfiles, logs, dev secrets), this
    test's topics, groups, database and free ports."""
    env = {
        **os.environ,
        "VIGIE_STACK_DIR": str((tmp_path / "stack").resolve()),
        "COLUMNS": "200",
        "VIGIE_KAFKA_BOOTSTRAP": stack.kafka_bootstrap,
        "VIGIE_MONGODB_URL": stack.mongo_url(namespace),
        "VIGIE_TOPIC_PREFIX": f"{namespace}.",
        "VIGIE_MATCHER_GROUP_ID": f"{namespace}-matcher",
        "VIGIE_NOTIFIER_GROUP_ID": f"{namespace}-notifier",
        "VIGIE_INGEST_PORT": str(free_port()),
        "VIGIE_MATCHER_PORT": str(free_port_pair()),
        "VIGIE_NOTIFIER_PORT": str(free_port()),
    }
    yield env
    # Whatever the test did, nothing it started outlives it.
    stop_services(replace(StackConfig.from_env(), stack_dir=Path(env["VIGIE_STACK_DIR"])))


async def vigie(env: dict[str, str], *args: str, within: float = 120) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "vigie.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await asyncio.wait_for(process.communicate(), within))[0].decode()
    return process.returncode or 0, output


async def _members(bootstrap: str, prefix: str, group: str, count: int, within: float) -> int:
    """The group's live members once there are `count`, or what there are after `within` s."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        snapshot = await read_snapshot(bootstrap, prefix)
        found = {g.group: g.members for g in snapshot.groups}.get(group, 0)
        if found == count or asyncio.get_running_loop().time() > deadline:
            return found
        await asyncio.sleep(0.5)


async def test_replicas_share_the_group_and_each_has_its_pidfile_and_port(
    operator_env: dict[str, str], stack: StackEndpoints, namespace: str
) -> None:
    env = operator_env
    code, output = await vigie(env, "services", "up", "--replicas", "matcher=2")
    assert code == 0, output
    for label in ("ingest", "matcher", "matcher-1", "notifier"):
        assert f"{label}: started" in output, output
    run_dir = Path(env["VIGIE_STACK_DIR"]) / "run"
    assert (run_dir / "service-matcher-1.pid").is_file()

    code, output = await vigie(env, "services", "status")
    assert code == 0, output
    assert "matcher-1" in output
    ingest_url = f"http://127.0.0.1:{env['VIGIE_INGEST_PORT']}"
    assert ingest_url in output

    # Both matchers consume in one group (they joined once the tenders topic existed).
    group = f"{namespace}-matcher"
    members = await _members(stack.kafka_bootstrap, f"{namespace}.", group, 2, within=60)
    assert members == 2

    # Asking for one matcher stops the second one; up is idempotent for the others.
    code, output = await vigie(env, "services", "up", "--replicas", "matcher=1")
    assert code == 0, output
    assert "matcher: already running" in output
    assert "matcher-1" not in output
    assert not (run_dir / "service-matcher-1.pid").exists()

    code, output = await vigie(env, "services", "up", "--replicas", "matcher=zero")
    assert code == 2
    assert "N must be a whole number" in output
    code, output = await vigie(env, "services", "down")
    assert code == 0, output
    assert {"ingest: stopped", "matcher: stopped", "notifier: stopped"} <= set(output.splitlines())
    code, output = await vigie(env, "services", "status")
    assert code == 1, output
