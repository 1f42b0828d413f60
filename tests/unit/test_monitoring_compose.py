"""docker-compose.yml's `monitoring` profile and its configs, checked without a Docker engine:
the files parse, every file a service mounts exists, every address names a compose service, and
every metric the Grafana dashboard graphs is one the project emits."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from prometheus_client.registry import CollectorRegistry

from shared.kafka.broker import make_broker
from shared.metrics import REGISTRY
from shared.settings import CommonSettings
from vigie.lag import LagSnapshot
from vigie.lag_exporter import LagCollector

CHECKOUT = Path(__file__).resolve().parents[2]
MONITORING = CHECKOUT / "deploy" / "monitoring"
PROFILE = {"lag-exporter", "prometheus", "alertmanager", "grafana"}
# Prometheus's own series, beside those of the targets it scrapes.
PROMETHEUS_SERIES = {"up"}
SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = _yaml(CHECKOUT / "docker-compose.yml")
    return document


def _mounts(service: dict[str, Any]) -> Iterator[tuple[Path, str]]:
    """(file in the checkout, path in the container) of each bind mount."""
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            yield CHECKOUT / source, target


def test_the_profile_adds_its_services_and_leaves_the_default_stack_alone(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    in_profile = {name for name, s in services.items() if "monitoring" in s.get("profiles", [])}
    assert in_profile == PROFILE
    assert {"kafka", "mongo", "mailpit", "ingest", "matcher", "notifier"} <= set(services)
    assert all("profiles" not in services[name] for name in set(services) - PROFILE)
    for name in PROFILE:
        for dependency in services[name].get("depends_on", []):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        for published in services[name].get("ports", []):
            assert published.startswith("127.0.0.1:"), f"{name} is reachable beyond localhost"


def test_every_mounted_file_exists(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for source, _ in _mounts(service):
            assert source.exists(), f"{name} mounts {source.relative_to(CHECKOUT)}: missing"


def _host(address: str) -> str:
    return address.rsplit(":", 1)[0]


def test_prometheus_scrapes_compose_services_and_loads_the_mounted_rules(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    prometheus = services["prometheus"]
    in_container = {target: source for source, target in _mounts(prometheus)}
    config = _yaml(in_container["/etc/prometheus/prometheus.yml"])
    targets = {
        _host(target)
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert {"ingest", "matcher", "notifier", "lag-exporter"} <= targets
    assert targets <= set(services) | {"localhost"}  # localhost: Prometheus itself
    [alerting] = config["alerting"]["alertmanagers"]
    assert {_host(t) for s in alerting["static_configs"] for t in s["targets"]} == {"alertmanager"}
    assert config["rule_files"], "no alert rules"
    for rule_file in config["rule_files"]:
        path = str(PurePosixPath("/etc/prometheus") / rule_file)  # relative to the config's dir
        assert path in in_container, f"{rule_file} is not mounted into Prometheus"
        rules = _yaml(in_container[path])
        assert [rule["alert"] for group in rules["groups"] for rule in group["rules"]]


def test_compose_prometheus_has_the_local_stacks_jobs_and_rules(compose: dict[str, Any]) -> None:
    """One set of jobs and rules for both Prometheuses: the alerts' `job` labels hold in both."""
    mounts = {target: source for source, target in _mounts(compose["services"]["prometheus"])}
    ours = _yaml(mounts["/etc/prometheus/prometheus.yml"])
    local = _yaml(MONITORING / "prometheus.yml")
    assert [j["job_name"] for j in ours["scrape_configs"]] == [
        j["job_name"] for j in local["scrape_configs"]
    ]
    assert ours["rule_files"] == local["rule_files"]
    assert ours["global"] == local["global"]


def test_alertmanager_mails_through_the_compose_mailpit(compose: dict[str, Any]) -> None:
    [(source, _)] = list(_mounts(compose["services"]["alertmanager"]))
    config = _yaml(source)
    receivers = {r["name"]: r for r in config["receivers"]}
    assert config["route"]["receiver"] in receivers
    hosts = {
        _host(mail["smarthost"]) for r in receivers.values() for mail in r.get("email_configs", [])
    }
    assert hosts == {"mailpit"}
    assert hosts <= set(compose["services"])


def _dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((MONITORING / "grafana" / "vigie.json").read_text())
    return document


def test_grafana_is_provisioned_with_the_dashboard_and_its_datasource(
    compose: dict[str, Any],
) -> None:
    grafana = {target: source for source, target in _mounts(compose["services"]["grafana"])}
    provisioning = grafana["/etc/grafana/provisioning"]
    [datasource] = _yaml(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert _host(datasource["url"].removeprefix("http://")) == "prometheus"
    [provider] = _yaml(provisioning / "dashboards" / "vigie.yml")["providers"]
    folder = provider["options"]["path"]
    assert grafana[f"{folder}/vigie.json"] == MONITORING / "grafana" / "vigie.json"
    panels = _dashboard()["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]


def _emitted_series() -> set[str]:
    """Every series name the services and the lag exporter can expose."""
    make_broker(CommonSettings(), client_id="dashboard-test")  # FastStream's faststream_* series
    lag = CollectorRegistry()
    collector = LagCollector()
    collector.snapshot = LagSnapshot(taken_at=0.0, groups=(), dead_letters=())
    lag.register(collector)
    families = [*REGISTRY.collect(), *lag.collect()]
    return PROMETHEUS_SERIES | {
        family.name + suffix
        for family in families
        for suffix in SAMPLE_SUFFIXES.get(family.type, ("",))
    }


def _series_named(expr: str) -> set[str]:
    """The series an expression reads: names outside label matchers, groupings and ranges."""
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\b(by|without)\s*\([^)]*\)", " ", expr)
    names = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare))
    return {n for n in names if n.startswith(("vigie_", "faststream_")) or n in PROMETHEUS_SERIES}


def test_every_dashboard_query_reads_series_the_project_emits() -> None:
    emitted = _emitted_series()
    exprs = [t["expr"] for p in _dashboard()["panels"] for t in p.get("targets", [])]
    assert len(exprs) > 10
    for expr in exprs:
        named = _series_named(expr)
        assert named, f"no series in {expr!r}"
        assert named <= emitted, f"{sorted(named - emitted)} in {expr!r} is emitted by nothing"


def test_the_series_reader_sees_a_misspelt_metric() -> None:
    assert _series_named('sum by (le) (rate(vigie_end_to_end_second_bucket{channel="x"}[5m]))') == {
        "vigie_end_to_end_second_bucket"
    }
