"""A service whose port another process holds refuses to start, naming the port and the setting."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from tests.stack_clients import TEST_SECRETS, StackEndpoints, vigie_env


@pytest.mark.parametrize(
    ("service", "setting"), [("ingest", "VIGIE_INGEST_PORT"), ("notifier", "VIGIE_NOTIFIER_PORT")]
)
def test_a_service_refuses_a_taken_port(
    stack: StackEndpoints, namespace: str, service: str, setting: str
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", service],
            env=vigie_env(
                stack, namespace, **{setting: str(taken)}, VIGIE_LOG_FORMAT="json", **TEST_SECRETS
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    [line] = [json.loads(x) for x in result.stderr.splitlines() if '"port_taken"' in x]
    assert line["service"] == service
    assert line["port"] == taken
    assert f"127.0.0.1:{taken}" in line["error"]
    assert setting in line["error"]
    assert line["next"] == "not started, exit status 2"
