"""Consumer lag, dead-letter depth and throughput, computed from offsets and timestamps.

Pure: the Kafka reading is `vigie.lag_reader`'s; this module only does the arithmetic, so every
rule here is unit-tested without a broker.

- A group's next record on a partition is at its committed offset; with no commit (or one below
  the log start, the records having expired) it is at the log start, as Vigie's consumers start
  from the earliest record (`auto_offset_reset="earliest"`).
- Lag in messages is what lies between that record and the end of the log.
- Lag in seconds is the age of that record, the oldest one not consumed yet: 0 when caught up.
- Throughput is how far the committed offsets moved between two samples, per second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.kafka.topics import DLQ_SUFFIX


@dataclass(frozen=True)
class PartitionOffsets:
    """Where one group stands on one partition, and the partition's bounds."""

    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group never committed on this partition
    log_start: int
    end: int  # the offset the next record produced will get


def next_offset(position: PartitionOffsets) -> int:
    """The offset of the next record the group will read there."""
    if position.committed is None:
        return position.log_start
    return max(position.committed, position.log_start)


def lag_messages(position: PartitionOffsets) -> int:
    """Records the group has still to consume on this partition (never negative)."""
    return max(0, position.end - next_offset(position))


def lag_seconds(lag: int, oldest_unconsumed_ms: int | None, now: float) -> float | None:
    """Age at `now` (unix seconds) of the oldest record not consumed yet; 0 when caught up.

    `oldest_unconsumed_ms` is that record's timestamp (Kafka's milliseconds); None when it could
    not be read, and then the age is unknown (None), never a made-up 0. A clock skew that puts
    the record in the future counts as 0 seconds.
    """
    if lag == 0:
        return 0.0
    if oldest_unconsumed_ms is None:
        return None
    return max(0.0, now - oldest_unconsumed_ms / 1000)


def dead_letter_depth(log_start: int, end: int) -> int:
    """Records a dead-letter topic's partition holds (replaying one does not remove it)."""
    return max(0, end - log_start)


def is_dead_letter_topic(topic: str) -> bool:
    return topic.endswith(DLQ_SUFFIX)


@dataclass(frozen=True)
class CommitSample:
    """The sum of a group's committed offsets at one moment (`at`: monotonic seconds)."""

    at: float
    committed_total: int


def throughput(samples: Sequence[CommitSample], window: float, now: float) -> float | None:
    """Records committed per second over the samples of the last `window` seconds before `now`.

    None until two samples at different times fall in the window. Offsets that went back (a
    topic deleted and made again, offsets reset by an operator) give no rate rather than a
    negative one.
    """
    recent = [s for s in samples if now - s.at <= window]
    if len(recent) < 2 or recent[-1].at <= recent[0].at:
        return None
    moved = recent[-1].committed_total - recent[0].committed_total
    if moved < 0:
        return None
    return moved / (recent[-1].at - recent[0].at)


@dataclass(frozen=True)
class PartitionLag:
    offsets: PartitionOffsets
    messages: int
    seconds: float | None  # None: the oldest unconsumed record could not be read


@dataclass(frozen=True)
class GroupLag:
    group: str
    state: str  # Kafka's word: Stable, Empty, PreparingRebalance, …, or "Unknown"
    members: int
    partitions: tuple[PartitionLag, ...]

    def committed_total(self, *, dead_letters: bool = False) -> int:
        """The sum of its committed offsets: how far it has read, for throughput."""
        return sum(p.offsets.committed or 0 for p in self._counted(dead_letters))

    def lag_messages(self, *, dead_letters: bool = False) -> int:
        return sum(p.messages for p in self._counted(dead_letters))

    def lag_seconds(self, *, dead_letters: bool = False) -> float | None:
        """The oldest unconsumed record's age over its partitions; None if one is unknown."""
        ages = [p.seconds for p in self._counted(dead_letters)]
        if any(age is None for age in ages):
            return None
        return max((age for age in ages if age is not None), default=0.0)

    def _counted(self, dead_letters: bool) -> list[PartitionLag]:
        """Its partitions, without those of dead-letter topics unless asked: the replay
        command's groups read those, and the depth of a DLQ is reported on its own."""
        return [
            p for p in self.partitions if dead_letters or not is_dead_letter_topic(p.offsets.topic)
        ]


@dataclass(frozen=True)
class DeadLetterTopic:
    topic: str
    depth: int
    newest_reason: str | None  # the x-vigie-error header of its newest record
    newest_source: str | None  # the topic that record came from
    newest_at: float | None  # unix seconds: that record's timestamp


@dataclass(frozen=True)
class LagSnapshot:
    taken_at: float  # unix seconds
    groups: tuple[GroupLag, ...]
    dead_letters: tuple[DeadLetterTopic, ...]
