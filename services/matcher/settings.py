from __future__ import annotations

from shared.settings import CommonSettings


class MatcherSettings(CommonSettings):
    matcher_group_id: str = "vigie-matcher"
    # How often the in-memory profile index looks for changed enterprises in MongoDB.
    matcher_refresh_seconds: float = 2.0
