"""What a running service says of its health: `GET /health/live` and `GET /health/ready`.

Asked by `vigie services status` and `vigie ops status`. A service that has no such endpoint
(404: an older build) is "unknown", not "failing": its process and port are all we can tell.
HTTP only (httpx): works without the local stack.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Probe:
    """One endpoint's answer: ok True/False, or None when the service has no such endpoint."""

    ok: bool | None
    detail: str  # "ok", the service's reason, "no health endpoint", or why it did not answer

    @property
    def word(self) -> str:
        return {True: "yes", False: "no", None: "?"}[self.ok]


@dataclass(frozen=True)
class Health:
    answers: bool  # something answered HTTP at the address
    live: Probe
    ready: Probe


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("reason") or body.get("status") or body)[:200]
    return str(body)[:200]


def _probe(client: httpx.Client, url: str) -> tuple[bool, Probe]:
    """(answered at all, the probe)."""
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        return False, Probe(False, f"no answer: {type(exc).__name__}")
    if response.status_code == 404:
        return True, Probe(None, "no health endpoint")
    if response.status_code == 200:
        return True, Probe(True, "ok")
    return True, Probe(False, f"HTTP {response.status_code}: {_reason(response)}")


def probe(base_url: str, timeout: float = TIMEOUT_SECONDS) -> Health:
    """Ask the service at `base_url` whether it is live and ready."""
    with httpx.Client(timeout=timeout) as client:
        live_answered, live = _probe(client, f"{base_url}/health/live")
        ready_answered, ready = _probe(client, f"{base_url}/health/ready")
    return Health(live_answered or ready_answered, live, ready)
