"""The matcher's catalogue applies announced changes; earlier matches are read from one record."""

from __future__ import annotations

from matcher.catalogue import EnterpriseCatalogue
from matcher.history import earlier_of
from shared.events import MatchKind
from tests.factories import enterprise_data, make_enterprise, make_tender


def test_an_announced_enterprise_is_applied_as_it_is_now() -> None:
    kept, paused, deleted = make_enterprise(), make_enterprise(), make_enterprise()
    catalogue = EnterpriseCatalogue()
    catalogue.replace_all([kept, paused, deleted])
    newcomer = make_enterprise()
    now_paused = make_enterprise(**{**enterprise_data(), "id": paused.id, "status": "paused"})

    changed = catalogue.apply(
        [kept.id, paused.id, deleted.id, newcomer.id],
        {kept.id: kept, paused.id: now_paused, newcomer.id: newcomer},
    )

    assert changed == 3  # `kept` was announced but is what the catalogue holds
    assert {c.enterprise.id for c in catalogue.candidates(make_tender())} == {kept.id, newcomer.id}
    assert catalogue.apply([deleted.id], {}) == 0  # already gone


def test_earlier_matches_are_those_of_earlier_revisions_not_cancelled() -> None:
    entries = [
        {"enterprise_id": "a", "profile_id": "p1", "revision": 1, "kind": MatchKind.NEW.value},
        {"enterprise_id": "a", "profile_id": "p2", "revision": 2, "kind": "amended"},
        {"enterprise_id": "b", "profile_id": "p1", "revision": 1, "kind": "new"},
        {"enterprise_id": "c", "profile_id": "p1", "revision": 3, "kind": "new"},
        {"enterprise_id": "d", "profile_id": "p1", "revision": 2, "kind": "cancelled"},
    ]
    assert earlier_of(entries, 3) == {"a": "p2", "b": "p1"}
    assert earlier_of(entries, 2) == {"a": "p1", "b": "p1"}
    assert earlier_of(entries, 1) == {}
