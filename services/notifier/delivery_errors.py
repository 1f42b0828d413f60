"""The two ways a delivery can fail, whatever the channel.

Every channel (SMTP, the SMS provider, a contact that cannot be written to) raises one of these,
and the deliverer treats them alike: a transient failure is retried later with backoff, a
permanent one is recorded as failed and dead-lettered. Pure: no adapter is imported here.
"""

from __future__ import annotations

__all__ = ["DeliveryError", "PermanentDeliveryError", "TransientDeliveryError"]


class DeliveryError(Exception):
    """A message could not be handed to its provider."""


class PermanentDeliveryError(DeliveryError):
    """The provider refused the message for good (SMTP 5xx, invalid number): do not retry."""


class TransientDeliveryError(DeliveryError):
    """The provider could not take the message now (SMTP 4xx, network, timeout): retry later."""
