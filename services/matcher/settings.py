from __future__ import annotations

from shared.settings import CommonSettings


class MatcherSettings(CommonSettings):
    matcher_group_id: str = "vigie-matcher"
    # The matcher's HTTP port: /metrics, /health/live, /health/ready only.
    matcher_host: str = "127.0.0.1"
    matcher_port: int = 8081
    # Enterprise changes reach the profile index as events (vigie.enterprises.v1); it is also
    # rebuilt from MongoDB this often, for a change written without being announced.
    matcher_full_reload_seconds: float = 3600.0
