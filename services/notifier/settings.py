from __future__ import annotations

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
    # The sender block CASL requires in every commercial electronic message.
    sender_name: str = "Vigie"
    sender_address: str = "alertes@vigie.example"
    sender_postal_address: str = "Vigie, 300 rue Saint-Charles Ouest, Longueuil (Québec) J4H 1E6"
    sender_contact: str = "support@vigie.example"
