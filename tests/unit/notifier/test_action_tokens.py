"""Signed, expiring action tokens; rate limits per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notifier.action_tokens import ActionSigner, ExpiredToken
from notifier.signing import InvalidToken, LinkSigner
from notifier.signup_limits import KeyedLimit
from tests.unit.notifier.builders import SIGNER

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
ACTIONS = ActionSigner(SIGNER)


def test_a_token_opens_to_its_fields_until_it_expires() -> None:
    token = ACTIONS.sign("signup-confirm", ["su-abc", "nonce"], NOW + timedelta(hours=48))
    assert ACTIONS.open(token, "signup-confirm", NOW) == ["su-abc", "nonce"]
    assert ACTIONS.open(token, "signup-confirm", NOW + timedelta(hours=47)) == ["su-abc", "nonce"]
    with pytest.raises(ExpiredToken):
        ACTIONS.open(token, "signup-confirm", NOW + timedelta(hours=48))


def test_a_token_is_url_safe() -> None:
    token = ACTIONS.sign("alert", ["e-1", "longueuil:AO/2026 é"], NOW + timedelta(days=1))
    assert all(c.isalnum() or c in "-_.~" for c in token)


def test_altered_foreign_or_other_purpose_tokens_are_refused() -> None:
    token = ACTIONS.sign("alert", ["e-1", "longueuil:AO-1"], NOW + timedelta(days=1))
    body, _, mac = token.rpartition(".")
    other = ActionSigner(LinkSigner("another-key-0123456789abcdef"))
    with pytest.raises(InvalidToken):
        ACTIONS.open(body[:-2] + "AA." + mac, "alert", NOW)
    with pytest.raises(InvalidToken):
        other.open(token, "alert", NOW)
    with pytest.raises(InvalidToken):
        ACTIONS.open(token, "signup-confirm", NOW)


def test_a_preference_token_is_no_action_token_and_back() -> None:
    preferences = SIGNER.token("e-1")
    with pytest.raises(InvalidToken):
        ACTIONS.open(preferences, "alert", NOW)
    action = ACTIONS.sign("alert", ["e-1", "x:y"], NOW + timedelta(days=1))
    # The preference centre's signer accepts it, but as an id no enterprise can have.
    assert "~" in SIGNER.verify(action)


def test_keyed_limit_lets_a_burst_through_then_paces_each_key_alone() -> None:
    limit = KeyedLimit(per_hour=3, burst=2)
    assert [limit.wait("a", 0.0) for _ in range(2)] == [0.0, 0.0]
    assert limit.wait("a", 1.0) == pytest.approx(1199.0)
    assert limit.wait("b", 1.0) == 0.0
    assert limit.wait("a", 1201.0) == 0.0


def test_keyed_limit_forgets_keys_that_refilled() -> None:
    limit = KeyedLimit(per_hour=3600, burst=1)
    for i in range(1023):
        limit.wait(f"client-{i}", 0.0)
    assert len(limit) == 1023
    limit.wait("late", 10.0)  # the 1024th call sweeps: every other bucket is full again
    assert len(limit) == 1
