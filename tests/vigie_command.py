"""Running Vigie's processes as an operator would: the `vigie` command, and the environment of
the three services run each as a process of its own, against a test's namespace."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.stack_clients import (
    TEST_SECRETS,
    TEST_SIGNING_KEY,
    StackEndpoints,
    free_service_ports,
    vigie_env,
)

VIGIE = str(Path(sys.executable).parent / "vigie")


def services_env(stack: StackEndpoints, namespace: str, **settings: str) -> dict[str, str]:
    """The environment of the services started as processes (`python -m ingest`…): this test's
    namespace, a free port each, JSON logs and the test secrets; `settings` on top."""
    return vigie_env(
        stack,
        namespace,
        **free_service_ports(),
        VIGIE_LOG_FORMAT="json",
        **TEST_SECRETS,
        **settings,
    )


async def vigie(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Exit code and output (stdout and stderr) of `vigie ARGS` run with `env`."""
    process = await asyncio.create_subprocess_exec(
        VIGIE, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, output.decode()


async def run_vigie(stack: StackEndpoints, namespace: str, *args: str) -> tuple[int, str]:
    """Exit code and output of `vigie ARGS` on this test's database, topics and mail sink."""
    env = vigie_env(
        stack,
        namespace,
        VIGIE_UNSUBSCRIBE_SIGNING_KEY=TEST_SIGNING_KEY,
        VIGIE_LOG_FORMAT="console",
        COLUMNS="200",
    )
    return await vigie(env, *args)
