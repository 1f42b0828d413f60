"""`vigie enterprises pending | verify | reject`: an operator decides on the enterprises that
signed themselves up.

Verifying records who and when in `SocialEconomyStatus`, announces the change on
`vigie.enterprises.v1` (so running matchers start matching it within their freshness bound)
and tells the enterprise by email; rejecting records who, when and why, announces it too
(a matcher drops it) and emails the reason. The decision is written first: a mail that cannot
go is reported to the operator, and the decision stands.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from rich.console import Console
from rich.table import Table

from notifier.bootstrap import mailer_from
from notifier.delivery_errors import DeliveryError
from notifier.enterprise_mail import rejected_email, verified_email
from notifier.links import LinkBuilder
from notifier.render import RenderedEmail
from notifier.settings import NotifierSettings
from notifier.signing import LinkSigner
from shared.enterprises import Enterprise, Verification
from shared.kafka.enterprise_changes import enterprise_announcer
from shared.mongo import Document, database, make_client

console = Console(highlight=False)
_STATUS = "social_economy"


async def pending_enterprises(db: AsyncDatabase[Document]) -> list[Enterprise]:
    """Confirmed sign-ups waiting for a decision (a scan: an operator's occasional query)."""
    cursor = db["enterprises"].find({f"{_STATUS}.verification": Verification.PENDING.value})
    return sorted(
        [Enterprise.from_document(d) async for d in cursor],
        key=lambda e: e.updated_at or datetime.min.replace(tzinfo=UTC),
    )


async def _decide(
    db: AsyncDatabase[Document], enterprise_id: str, fields: dict[str, Any], now: datetime
) -> Enterprise | None:
    document = await db["enterprises"].find_one_and_update(
        {"_id": enterprise_id},
        {"$set": {**{f"{_STATUS}.{k}": v for k, v in fields.items()}, "updated_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    return Enterprise.from_document(document) if document else None


async def verify(
    db: AsyncDatabase[Document], enterprise_id: str, by: str, now: datetime
) -> Enterprise | None:
    fields = {
        "verification": Verification.VERIFIED.value,
        "verified_via": "review",
        "verified_by": by,
        "verified_at": now,
        "rejected_by": None,
        "rejected_at": None,
        "rejection_reason": None,
    }
    return await _decide(db, enterprise_id, fields, now)


async def reject(
    db: AsyncDatabase[Document], enterprise_id: str, by: str, reason: str, now: datetime
) -> Enterprise | None:
    fields = {
        "verification": Verification.REJECTED.value,
        "verified_via": None,
        "rejected_by": by,
        "rejected_at": now,
        "rejection_reason": reason,
        "verified_by": None,
        "verified_at": None,
    }
    return await _decide(db, enterprise_id, fields, now)


def _verified_mail(settings: NotifierSettings, enterprise: Enterprise) -> RenderedEmail:
    key = settings.unsubscribe_signing_key
    url = None
    if key is not None and key.get_secret_value():
        links = LinkBuilder(
            LinkSigner(key.get_secret_value()),
            settings.public_base_url,
            settings.unsubscribe_mailbox,
        )
        url = links.for_enterprise(enterprise.id, enterprise.language).preferences
    sender = mailer_from(settings).sender
    return verified_email(enterprise.name, enterprise.language, sender, url)


async def _tell(settings: NotifierSettings, enterprise: Enterprise, email: RenderedEmail) -> bool:
    """Send the enterprise its email; False (and said) if it could not go."""
    address = enterprise.contacts.email
    if address is None:
        console.print("[yellow]no email address: the enterprise was not told")
        return False
    mailer = mailer_from(settings)
    try:
        await mailer.send(str(address), email, f"review-{uuid.uuid4()}")
    except DeliveryError as exc:
        console.print(f"[red]the email could not be sent ({exc}); the decision stands")
        return False
    finally:
        await mailer.close()
    return True


async def _apply(decision: str, enterprise_id: str, by: str, reason: str) -> Enterprise | None:
    settings = NotifierSettings()
    client = make_client(settings.mongodb_url)
    try:
        db = database(client, settings.mongodb_url)
        now = datetime.now(UTC)
        if decision == "verify":
            decided = await verify(db, enterprise_id, by, now)
        else:
            decided = await reject(db, enterprise_id, by, reason, now)
        if decided is None:
            return None
        async with enterprise_announcer(settings) as announce:
            await announce([decided.id])
        if decision == "verify":
            email = _verified_mail(settings, decided)
        else:
            email = rejected_email(
                decided.name, decided.language, mailer_from(settings).sender, reason
            )
        if await _tell(settings, decided, email):
            console.print("the enterprise was told by email")
        return decided
    finally:
        await client.close()


async def _pending() -> list[Enterprise]:
    settings = NotifierSettings()
    client = make_client(settings.mongodb_url)
    try:
        return await pending_enterprises(database(client, settings.mongodb_url))
    finally:
        await client.close()


def register(enterprises: typer.Typer) -> None:
    """Add the review commands to `vigie enterprises`."""

    @enterprises.command("pending")
    def pending() -> None:
        """Confirmed sign-ups waiting for an operator to verify their social-economy status."""
        found = asyncio.run(_pending())
        table = Table("id", "name", "kind", "NEQ", "SIRET", "email", "confirmed at")
        for e in found:
            at = e.updated_at.isoformat(timespec="minutes") if e.updated_at else ""
            ids = e.identifiers
            table.add_row(
                e.id, e.name, e.social_economy.kind, ids.neq, ids.siret, e.contacts.email, at
            )
        console.print(table)
        console.print(f"{len(found)} enterprises pending verification")

    @enterprises.command("verify")
    def verify_command(
        enterprise_id: Annotated[str, typer.Argument(help="The enterprise id")],
        by: Annotated[str, typer.Option("--by", help="Who checked the status, and how")],
    ) -> None:
        """Mark an enterprise's social-economy status verified: it is matched from now on."""
        decided = asyncio.run(_apply("verify", enterprise_id, by, ""))
        if decided is None:
            console.print(f"[red]no enterprise {enterprise_id}")
            raise typer.Exit(1)
        console.print(f"{decided.id} verified by {by}")

    @enterprises.command("reject")
    def reject_command(
        enterprise_id: Annotated[str, typer.Argument(help="The enterprise id")],
        reason: Annotated[str, typer.Option("--reason", help="Why; sent to the enterprise")],
        by: Annotated[str, typer.Option("--by", help="Who decided")] = "operator",
    ) -> None:
        """Refuse an enterprise's status: it is not matched, and is told why by email."""
        if not 0 < len(reason.strip()) <= 500:
            console.print("[red]--reason must say why, in at most 500 characters")
            raise typer.Exit(2)
        decided = asyncio.run(_apply("reject", enterprise_id, by, reason.strip()))
        if decided is None:
            console.print(f"[red]no enterprise {enterprise_id}")
            raise typer.Exit(1)
        console.print(f"{decided.id} rejected by {by}: {reason.strip()}")
