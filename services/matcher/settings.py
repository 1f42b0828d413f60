from __future__ import annotations

from pydantic import Field

from shared.settings import CommonSettings


class MatcherSettings(CommonSettings):
    matcher_group_id: str = "vigie-matcher"
    # The matcher's HTTP port: /metrics, /health/live, /health/ready only.
    matcher_host: str = "127.0.0.1"
    matcher_port: int = 8081
    # Enterprise changes reach the profile index as events (vigie.enterprises.v1); it is also
    # rebuilt from MongoDB this often, for a change written without being announced.
    matcher_full_reload_seconds: float = 3600.0
    # Tender events matched together at most: one history read, one write and one publication
    # for the lot. A batch takes what has arrived and waits for no more, so it adds no latency.
    matcher_batch_size: int = Field(default=200, ge=1, le=5000)
