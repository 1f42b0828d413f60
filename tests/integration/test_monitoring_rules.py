"""The alert rules and the local Prometheus config of deploy/monitoring, checked and tested by
Prometheus's own promtool (installed with Debian's prometheus by deploy/scripts/setup.sh)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from vigie_stack.config import StackConfig
from vigie_stack.monitoring import ALERT_RULES, MONITORING_DIR, Prometheus
from vigie_stack.stack import quiet


def _promtool(*args: str) -> str:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not installed: run deploy/scripts/setup.sh"
    result = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_alert_rules_are_valid() -> None:
    assert "SUCCESS: 7 rules found" in _promtool("check", "rules", str(ALERT_RULES))


def test_the_alerts_fire_when_they_should_and_only_then() -> None:
    # Lag rising for 5 minutes, a steady lag, a service down, dead letters, errors, p99.
    assert "SUCCESS" in _promtool("test", "rules", str(MONITORING_DIR / "alerts-test.yml"))


def test_the_local_prometheus_config_is_valid(tmp_path: Path) -> None:
    prometheus = Prometheus(StackConfig(stack_dir=tmp_path))
    prometheus.prepare(quiet)
    output = _promtool("check", "config", str(prometheus.config))
    assert "SUCCESS" in output
    assert "SUCCESS: 7 rules found" in output
    assert prometheus.cfg.scrape_targets("matcher").read_text() == "[]\n"
