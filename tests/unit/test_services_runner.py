"""How `vigie services up` reads its replica counts, places replicas and builds the services'
environment (the processes themselves: tests/e2e/test_services_command.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigie.services_runner import (
    Listener,
    listeners,
    operator_env,
    parse_replicas,
    replica_label,
)
from vigie_stack.config import StackConfig
from vigie_stack.stack import with_extras


def test_replica_counts_are_read_per_service() -> None:
    assert parse_replicas("matcher=3, notifier=2") == {"matcher": 3, "notifier": 2}
    assert parse_replicas("") == {}
    assert parse_replicas(None) == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("matcher", "SERVICE=N"),
        ("mailer=2", "SERVICE=N"),
        ("matcher=0", "from 1 to"),
        ("matcher=two", "from 1 to"),
        ("matcher=99", "from 1 to"),
    ],
)
def test_a_wrong_replica_count_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_replicas(text)


WILDCARD = "0.0.0.0"  # noqa: S104 - a setting's value under test, nothing binds it


def test_replica_i_listens_on_the_base_port_plus_ten_times_i() -> None:
    base = listeners({"VIGIE_INGEST_PORT": "9100", "VIGIE_INGEST_HOST": WILDCARD})["ingest"]
    assert base == Listener(WILDCARD, 9100, "VIGIE_INGEST_PORT")
    assert base.of_replica(2).url == "http://127.0.0.1:9120"
    assert (replica_label("matcher", 0), replica_label("matcher", 2)) == ("matcher", "matcher-2")


def test_the_operators_environment_wins_over_the_stack_and_its_dev_secrets(
    tmp_path: Path,
) -> None:
    config = StackConfig(stack_dir=tmp_path, kafka_port=9999)
    env = operator_env(config, {"VIGIE_MONGODB_URL": "mongodb://db.example/prod"})
    assert env["VIGIE_MONGODB_URL"] == "mongodb://db.example/prod"
    assert env["VIGIE_KAFKA_BOOTSTRAP"] == "127.0.0.1:9999"
    pepper = env["VIGIE_API_KEY_PEPPER"]
    assert len(pepper) >= 32
    # Made once per stack dir, then the same at each start.
    assert operator_env(config, {})["VIGIE_API_KEY_PEPPER"] == pepper
    given = operator_env(config, {"VIGIE_API_KEY_PEPPER": "the operator's"})
    assert given["VIGIE_API_KEY_PEPPER"] == "the operator's"


def test_with_adds_the_extras_groups_to_the_servers() -> None:
    assert with_extras(None, []) is None
    assert with_extras(None, ["monitoring"]) == ["kafka", "mongo", "mail", "exporter", "prometheus"]
    assert with_extras(["kafka"], ["tracing"]) == ["kafka", "zipkin"]
    with pytest.raises(ValueError, match="unknown extra"):
        with_extras(None, ["grafana"])
