from __future__ import annotations

from pydantic import SecretStr

from shared.settings import CommonSettings


class IngestSettings(CommonSettings):
    ingest_host: str = "127.0.0.1"
    ingest_port: int = 8080
    ingest_max_body_bytes: int = 1_048_576
    # Peppers the HMAC of publishers' API keys. A secret: no default, set it in production.
    api_key_pepper: SecretStr | None = None
    ingest_rate_per_second: float = 50.0
    ingest_rate_burst: int = 100
    # A proven API key is trusted this long without asking MongoDB again (ingest.key_cache): a
    # key disabled in `publishers` stops working within it. 0 checks every request.
    ingest_key_cache_seconds: float = 10.0

    def pepper(self) -> str:
        if self.api_key_pepper is None or not self.api_key_pepper.get_secret_value():
            raise RuntimeError("VIGIE_API_KEY_PEPPER is not set: ingest cannot check API keys")
        return self.api_key_pepper.get_secret_value()
