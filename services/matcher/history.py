"""Who a tender matched at which revision: the entries the store keeps, what earlier matches
they say. Pure, so the MongoDB adapter and the in-memory fake answer alike."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.events import MatchEvent, MatchKind

Entry = dict[str, Any]


def entries_of(matches: Sequence[MatchEvent]) -> list[Entry]:
    """One entry per match: enterprise, profile, revision and kind, nothing else."""
    return [
        {
            "enterprise_id": m.enterprise_id,
            "profile_id": m.profile_id,
            "revision": m.tender.revision,
            "kind": m.kind.value,
        }
        for m in matches
    ]


def entries_by_tender(matches: Sequence[MatchEvent]) -> dict[str, list[Entry]]:
    """`entries_of` grouped by tender uid, in the order the matches came."""
    grouped: dict[str, list[Entry]] = {}
    for match, entry in zip(matches, entries_of(matches), strict=True):
        grouped.setdefault(match.tender.uid, []).append(entry)
    return grouped


def earlier_of(entries: Sequence[Mapping[str, Any]], revision: int) -> dict[str, str]:
    """Enterprise id → profile id of the matches of revisions before `revision`, cancellations
    left out; for an enterprise matched at several, the latest revision's profile."""
    earlier: dict[str, tuple[int, str]] = {}
    for entry in entries:
        if entry["revision"] >= revision or entry["kind"] == MatchKind.CANCELLED.value:
            continue
        seen = earlier.get(entry["enterprise_id"])
        if seen is None or entry["revision"] > seen[0]:
            earlier[entry["enterprise_id"]] = (entry["revision"], entry["profile_id"])
    return {enterprise_id: profile for enterprise_id, (_, profile) in earlier.items()}
