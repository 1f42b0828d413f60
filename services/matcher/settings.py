from __future__ import annotations

from shared.settings import CommonSettings


class MatcherSettings(CommonSettings):
    matcher_group_id: str = "vigie-matcher"
