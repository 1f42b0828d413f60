"""`vigie services up | status | down` as an operator runs them: replicas of one service share
its consumer group, each replica has its own pidfile and port, and `down` stops them all."""

from __future__ import annotations

from pathlib import Path

from tests.stack_clients import StackEndpoints, group_members
from tests.vigie_command import vigie


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
    members = await group_members(stack.kafka_bootstrap, f"{namespace}.", group, 2, within=60)
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
