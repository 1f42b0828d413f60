"""Fixtures of the end-to-end tests that run the operators' commands."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.stack_clients import StackEndpoints, free_port, free_service_ports, vigie_env
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
    env = vigie_env(
        stack,
        namespace,
        VIGIE_STACK_DIR=str((tmp_path / "stack").resolve()),
        COLUMNS="200",
        **free_service_ports(),
    )
    # `vigie services up --replicas 2` runs the matcher twice, on its port and the next one.
    env["VIGIE_MATCHER_PORT"] = str(free_port_pair())
    yield env
    # Whatever the test did, nothing it started outlives it.
    stop_services(replace(StackConfig.from_env(), stack_dir=Path(env["VIGIE_STACK_DIR"])))
