"""Where a Kafka record was read: its topic, partition and offset.

Handed to every consumer handler with the record's event (`shared.kafka.consumer`,
`shared.kafka.batch`), so a handler that keeps them (the notifier's delivery record, for its
dead letter later) or names them gets them as an argument, not from the logging context. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Coordinates:
    topic: str
    partition: int
    offset: int

    def fields(self) -> dict[str, Any]:
        """The coordinates as log fields (and the keys a stored copy uses)."""
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Coordinates | None:
        """Read back what `fields` gave (partition and offset may have been kept as strings);
        None if it does not name all three."""
        try:
            return cls(str(fields["topic"]), int(fields["partition"]), int(fields["offset"]))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class Consumed(Generic[T]):
    """A parsed record and where it was read (for dead-letter headers and audit)."""

    event: T
    at: Coordinates
