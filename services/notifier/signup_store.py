"""MongoDB adapter of the sign-up: pending sign-ups and the enterprises they become.

- `signups`: one document per enterprise id (`_id`) waiting for its address to be confirmed,
  with the nonce of the latest confirmation link; a new submission replaces it, so only the
  latest link confirms. Unconfirmed sign-ups never reach `enterprises`, so the matcher and the
  notifier never see them.
- `enterprises`: a confirmed sign-up is inserted under its own id (derived from the address),
  pending an operator's verification.

Every read is by `_id` but one: whether an enterprise imported under another id already uses
the address, a scan of `enterprises` that only a sign-up (rate-limited) pays for.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.enterprises import Enterprise
from shared.mongo import Document


class SignupStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._signups = db["signups"]
        self._enterprises = db["enterprises"]

    async def enterprise(self, enterprise_id: str) -> Enterprise | None:
        document = await self._enterprises.find_one({"_id": enterprise_id})
        return Enterprise.from_document(document) if document else None

    async def holder_of(self, enterprise_id: str, email: str) -> Enterprise | None:
        """The enterprise that already uses this address, if any."""
        found = await self.enterprise(enterprise_id)
        if found is not None:
            return found
        pattern = f"^{re.escape(email)}$"
        document = await self._enterprises.find_one(
            {"contacts.email": {"$regex": pattern, "$options": "i"}}
        )
        return Enterprise.from_document(document) if document else None

    async def save_pending(
        self, enterprise_id: str, enterprise: dict[str, Any], nonce: str, at: datetime
    ) -> None:
        await self._signups.replace_one(
            {"_id": enterprise_id},
            {"enterprise": enterprise, "nonce": nonce, "submitted_at": at},
            upsert=True,
        )

    async def pending(self, enterprise_id: str, nonce: str) -> dict[str, Any] | None:
        """The sign-up's enterprise, if its latest link carries this nonce."""
        document = await self._signups.find_one({"_id": enterprise_id})
        if document is None or document.get("nonce") != nonce:
            return None
        enterprise: dict[str, Any] = document["enterprise"]
        return enterprise

    async def confirm(self, enterprise: Enterprise) -> bool:
        """Make the sign-up an enterprise; False if it already was one (a second click)."""
        try:
            await self._enterprises.insert_one(enterprise.to_document())
        except DuplicateKeyError:
            return False
        finally:
            await self._signups.delete_one({"_id": enterprise.id})
        return True
