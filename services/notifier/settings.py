from __future__ import annotations

from pydantic import SecretStr

from shared.settings import CommonSettings


class NotifierSettings(CommonSettings):
    notifier_group_id: str = "vigie-notifier"
    notifier_port: int = 8082
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    # Connections kept open and reused; each carries one message at a time.
    smtp_connections: int = 4
    # The provider's rate limit, with a burst allowance.
    smtp_rate_per_second: float = 100.0
    smtp_rate_burst: int = 100
    # Transient failures: attempts in all, then capped exponential backoff with full jitter.
    delivery_max_attempts: int = 8
    delivery_retry_base_seconds: float = 5.0
    delivery_retry_cap_seconds: float = 900.0
    # A sender that goes silent this long loses its message to another sender.
    delivery_lease_seconds: float = 120.0
    delivery_concurrency: int = 16
    # Match events recorded together: one read of their enterprises, two writes, one commit.
    notifier_intake_batch_size: int = 200
    delivery_poll_seconds: float = 1.0
    # The sender block CASL requires in every commercial electronic message.
    sender_name: str = "Vigie"
    sender_address: str = "alertes@vigie.example"
    sender_postal_address: str = "Vigie, 300 rue Saint-Charles Ouest, Longueuil (Québec) J4H 1E6"
    sender_contact: str = "support@vigie.example"
    # SMS through a Twilio-compatible API; the channel is on when SID, token and sender are set.
    sms_provider_url: str = "https://api.twilio.com"
    sms_account_sid: str | None = None
    sms_auth_token: SecretStr | None = None
    sms_from: str | None = None
    sms_timeout_seconds: float = 10.0
    sms_rate_per_second: float = 1.0
    sms_rate_burst: int = 5
    # The preference centre (served by the notifier) and the links every message carries.
    public_base_url: str = "http://127.0.0.1:8082"
    notifier_host: str = "127.0.0.1"
    unsubscribe_mailbox: str = "desabonnement@vigie.example"
    # Signs the preference/unsubscribe links. A secret: no default, set it in production.
    unsubscribe_signing_key: SecretStr | None = None
    # The public sign-up (notifier.signup): how long a confirmation link lives, and how many
    # submissions a client address / an email address may make (a burst, then per hour).
    signup_link_hours: int = 48
    signup_per_client_per_hour: float = 20.0
    signup_per_client_burst: int = 10
    signup_per_address_per_hour: float = 3.0
    signup_per_address_burst: int = 3

    def signing_key(self) -> str:
        key = self.unsubscribe_signing_key
        if key is None or not key.get_secret_value():
            raise RuntimeError(
                "VIGIE_UNSUBSCRIBE_SIGNING_KEY is not set: the notifier cannot sign its links"
            )
        return key.get_secret_value()
