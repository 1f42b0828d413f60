from __future__ import annotations

import pytest

from ingest.keys import hash_key, key_matches, lookup_of, new_api_key
from ingest.ratelimit import RateLimiter
from ingest.revisions import (
    CancelledTenderError,
    Current,
    Outcome,
    TenderStatus,
    content_hash,
    content_of,
    decide_cancel,
    decide_push,
)
from tests.factories import make_tender


def test_keys_are_checked_by_peppered_hmac() -> None:
    key, lookup = new_api_key()
    assert lookup_of(key) == lookup
    stored = hash_key(key, "pepper")
    assert key not in stored
    assert key_matches(key, stored, "pepper")
    assert not key_matches(key, stored, "other pepper")
    assert not key_matches(key[:-1] + ("A" if key[-1] != "A" else "B"), stored, "pepper")
    assert lookup_of("vk_short") is None


def test_rate_limiter_allows_a_burst_then_paces() -> None:
    limiter = RateLimiter(rate_per_second=2, burst=3)
    assert [limiter.acquire("a", 0.0) for _ in range(3)] == [0, 0, 0]
    assert limiter.acquire("a", 0.0) == pytest.approx(0.5)
    assert limiter.acquire("b", 0.0) == 0  # buckets are per publisher
    assert limiter.acquire("a", 0.5) == 0


def _current(tender_title: str, status: TenderStatus = TenderStatus.OPEN) -> Current:
    content = content_of(make_tender(source_id="X", title=tender_title))
    return Current(3, status, content, content_hash(content))


def test_revision_decisions() -> None:
    same = content_of(make_tender(source_id="X", title="A"))
    other = content_of(make_tender(source_id="X", title="B"))
    assert decide_push(None, same).outcome == Outcome.ACCEPTED
    assert decide_push(_current("A"), same).outcome == Outcome.UNCHANGED
    amended = decide_push(_current("A"), other)
    assert (amended.outcome, amended.revision, amended.changed_fields) == (
        Outcome.AMENDED,
        4,
        ("title",),
    )
    with pytest.raises(CancelledTenderError):
        decide_push(_current("A", TenderStatus.CANCELLED), other)
    assert decide_cancel(_current("A")).revision == 4
    assert decide_cancel(_current("A", TenderStatus.CANCELLED)).outcome == Outcome.UNCHANGED


def test_revision_and_identity_are_not_content() -> None:
    first = content_of(make_tender(source_id="X", revision=1))
    later = content_of(make_tender(source_id="X", revision=5))
    assert content_hash(first) == content_hash(later)


def test_a_notice_older_than_the_source_revision_seen_is_stale() -> None:
    content = content_of(make_tender(source_id="X", title="A"))
    current = Current(2, TenderStatus.OPEN, content, content_hash(content), source_revision=2)
    older = content_of(make_tender(source_id="X", title="old title"))
    assert decide_push(current, older, source_revision=1).outcome == Outcome.UNCHANGED
    assert decide_push(current, older, source_revision=2).outcome == Outcome.AMENDED
