"""API keys of publishers: generated once, shown once, stored only as a peppered HMAC.

A key reads `vk_<lookup>_<secret>`: the lookup part finds the record without a scan, the
HMAC of the whole key (with a server-side pepper) proves it. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_KEY = re.compile(r"^vk_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$")


def new_api_key() -> tuple[str, str]:
    """A fresh key and its lookup part."""
    lookup = secrets.token_hex(6)
    return f"vk_{lookup}_{secrets.token_urlsafe(24)}", lookup


def lookup_of(key: str) -> str | None:
    match = _KEY.match(key)
    return match.group(1) if match else None


def hash_key(key: str, pepper: str) -> str:
    return hmac.new(pepper.encode(), key.encode(), hashlib.sha256).hexdigest()


def key_matches(key: str, stored_hash: str, pepper: str) -> bool:
    return hmac.compare_digest(hash_key(key, pepper), stored_hash)
