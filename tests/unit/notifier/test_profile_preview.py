"""The preview counts what the matcher's own rules catch among the calls of the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from notifier.profile_preview import RecentRead, preview, window_start
from shared.enterprises import AlertProfile
from shared.events import Tender
from tests.factories import make_tender

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _published(days_ago: int, **overrides: Any) -> Tender:
    moment = (NOW - timedelta(days=days_ago)).isoformat()
    return make_tender(published_at=moment, **overrides)


PROFILE = AlertProfile.model_validate(
    {
        "id": "p1",
        "codes": [{"scheme": "UNSPSC", "prefix": "7611"}],
        "territories": ["CA-QC-AGG-LONGUEUIL"],
    }
)


def test_counts_the_calls_the_profile_catches_in_the_window_newest_first() -> None:
    caught = [_published(d, title=f"Entretien {d}") for d in (3, 40, 89)]
    elsewhere = _published(5, place_of_performance=["CA-QC-MUN-23027"])  # Québec city
    other_trade = _published(6, classifications=[{"scheme": "UNSPSC", "code": "72101500"}])
    too_old = _published(91)
    recent = RecentRead([too_old, *caught, elsewhere, other_trade], complete=True)
    shown = preview(PROFILE, recent, window_start(NOW), "fr", shown=2)
    assert (shown.count, shown.read, shown.complete, shown.days) == (3, 5, True, 90)
    assert [t.title for t in shown.caught] == ["Entretien 3", "Entretien 40"]


def test_a_bounded_read_says_so_and_an_empty_one_catches_nothing() -> None:
    partial = preview(PROFILE, RecentRead([_published(1)], complete=False), window_start(NOW), "en")
    assert (partial.count, partial.complete) == (1, False)
    empty = preview(PROFILE, RecentRead([], complete=True), window_start(NOW), "en")
    assert (empty.count, empty.read, empty.caught) == (0, 0, [])


def test_the_value_filter_and_keywords_apply_as_in_the_matcher() -> None:
    small_only = PROFILE.model_copy(
        update={
            "value_range": AlertProfile.model_validate(
                {"id": "x", "value_range": {"currency": "CAD", "max": "100000"}}
            ).value_range
        }
    )
    big = _published(2)  # 150,000 CAD
    unknown_value = _published(2, estimated_value=None)
    caught = preview(small_only, RecentRead([big, unknown_value], True), window_start(NOW), "fr")
    assert caught.count == 1
    vetoed = PROFILE.model_copy(
        update={"keywords": PROFILE.keywords.model_copy(update={"none": ["bâtiments"]})}
    )
    assert preview(vetoed, RecentRead([big], True), window_start(NOW), "fr").count == 0
