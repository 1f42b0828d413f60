"""The exporter's series, from a snapshot made by hand (the Kafka reading is tested against the
real broker in tests/integration/test_lag_exporter.py)."""

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from vigie.lag import DeadLetterTopic, GroupLag, LagSnapshot, PartitionLag, PartitionOffsets
from vigie.lag_exporter import LagCollector


def _samples(collector: LagCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry()
    registry.register(collector)
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_nothing_is_exported_before_the_first_read() -> None:
    assert _samples(LagCollector()) == {}


def test_each_partition_group_and_dead_letter_topic_has_its_series() -> None:
    behind = PartitionLag(PartitionOffsets("matcher", "tenders", 0, 5, 0, 12), 7, 42.0)
    unknown = PartitionLag(PartitionOffsets("matcher", "tenders", 1, None, 0, 3), 3, None)
    idle = GroupLag("notifier", "Empty", 0, ())
    collector = LagCollector()
    collector.snapshot = LagSnapshot(
        1_700_000_000.0,
        (GroupLag("matcher", "Stable", 2, (behind, unknown)), idle),
        (DeadLetterTopic("tenders.dlq", 4, "bad json", "tenders", 1_699_999_990.0),),
    )
    samples = _samples(collector)
    p0 = (("group", "matcher"), ("partition", "0"), ("topic", "tenders"))
    p1 = (("group", "matcher"), ("partition", "1"), ("topic", "tenders"))
    assert samples[("vigie_consumer_lag_messages", p0)] == 7
    assert samples[("vigie_consumer_lag_seconds", p0)] == 42.0
    assert samples[("vigie_consumer_lag_messages", p1)] == 3
    # An age that could not be read is left out, not reported as 0.
    assert ("vigie_consumer_lag_seconds", p1) not in samples
    assert samples[("vigie_consumer_group_members", (("group", "matcher"),))] == 2
    assert samples[("vigie_consumer_group_members", (("group", "notifier"),))] == 0
    assert samples[("vigie_dead_letter_depth", (("topic", "tenders.dlq"),))] == 4
    assert samples[("vigie_lag_exporter_last_read_timestamp_seconds", ())] == 1_700_000_000.0
