"""Running the operators' `vigie` command, as an operator would, against a test's namespace."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.stack_clients import TEST_SIGNING_KEY, StackEndpoints, vigie_env

VIGIE = str(Path(sys.executable).parent / "vigie")


async def run_vigie(stack: StackEndpoints, namespace: str, *args: str) -> tuple[int, str]:
    """Exit code and output of `vigie ARGS` on this test's database, topics and mail sink."""
    env = vigie_env(
        stack,
        namespace,
        VIGIE_UNSUBSCRIBE_SIGNING_KEY=TEST_SIGNING_KEY,
        VIGIE_LOG_FORMAT="console",
        COLUMNS="200",
    )
    process = await asyncio.create_subprocess_exec(
        VIGIE, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, output.decode()
