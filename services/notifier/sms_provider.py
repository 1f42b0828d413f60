"""SMS providers: the interface, and a Twilio-compatible HTTP implementation (httpx).

Twilio's Messages API: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, HTTP basic auth
with the account SID and auth token, form fields `To`, `From`, `Body`; 201 with the message's
`sid`. Failures map onto the notifier's two kinds: 429, 5xx, timeouts and network errors are
transient; any other 4xx (invalid or unreachable number, 21211, 21614…) is permanent.
"""

from __future__ import annotations

from typing import Protocol

import httpx

from notifier.delivery_errors import PermanentDeliveryError, TransientDeliveryError
from notifier.throttle import Throttle
from shared.metrics import PROVIDER_CALL_SECONDS


class SmsProvider(Protocol):
    async def send(self, to: str, body: str) -> str:
        """Hands the text to the provider; returns its message id."""
        ...

    async def close(self) -> None: ...


class TwilioSms:
    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        sender: str,
        *,
        timeout: float = 10.0,
        throttle: Throttle | None = None,
    ) -> None:
        self._path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._sender = sender
        self._throttle = throttle
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            auth=(account_sid, auth_token),
            timeout=timeout,
            headers={"User-Agent": "vigie-notifier"},
        )

    async def send(self, to: str, body: str) -> str:
        if self._throttle is not None:
            await self._throttle.acquire()
        try:
            with PROVIDER_CALL_SECONDS.labels("sms").time():
                response = await self._client.post(
                    self._path, data={"To": to, "From": self._sender, "Body": body}
                )
        except httpx.HTTPError as exc:
            raise TransientDeliveryError(f"SMS provider unreachable: {exc!r}"[:300]) from exc
        if response.status_code in (200, 201):
            return str(response.json().get("sid", ""))
        detail = _error(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientDeliveryError(detail)
        raise PermanentDeliveryError(detail)

    async def close(self) -> None:
        await self._client.aclose()


def _error(response: httpx.Response) -> str:
    try:
        payload = response.json()
        text = f"{payload.get('code', '')} {payload.get('message', '')}".strip()
    except ValueError:
        text = response.text[:200]
    return f"SMS provider HTTP {response.status_code}: {text}"[:300]
