"""docker-compose's Prometheus config (deploy/monitoring/prometheus-compose.yml) checked by
Prometheus's own promtool, with the alert rules it loads (no Docker engine needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

COMPOSE_CONFIG = Path(__file__).resolve().parents[2] / "deploy/monitoring/prometheus-compose.yml"


def test_the_compose_prometheus_config_and_its_rules_are_valid() -> None:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed: run deploy/scripts/setup.sh"
    result = subprocess.run(
        [promtool, "check", "config", str(COMPOSE_CONFIG)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid prometheus config file syntax" in result.stdout
    assert "rules found" in result.stdout
