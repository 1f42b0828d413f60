"""The public sign-up: `GET/POST /signup`, then `GET/POST /signup/confirm/{token}`.

Double opt-in: the form only ever causes one email, to the address it names — a confirmation
link (signed, expiring, and tied to this submission by a nonce) for a new address, or, for an
address an enterprise already uses, a note that someone tried, with that enterprise's own link.
The page answers the same in both cases, so the form tells nobody whether an address is known.
Nothing else is sent, and the enterprise does not exist for the matcher, until the link is
followed and its button pressed: GET only shows the button, because mail scanners open links.
Even then it is matched only once an operator verified it (`vigie enterprises verify`).

Abuse: a honeypot field (a filled one gets the same answer and no email), and token buckets per
client address (429) and per email address (the same answer, no email).
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from notifier.action_tokens import ActionSigner, ExpiredToken
from notifier.delivery_errors import DeliveryError
from notifier.enterprise_mail import confirmation_email, existing_address_email
from notifier.links import LinkBuilder
from notifier.render import RenderedEmail, Sender
from notifier.signing import InvalidToken
from notifier.signup_form import (
    FIELDS,
    TIMEZONES,
    SignupErrors,
    is_bot,
    read_signup,
    signup_document,
)
from notifier.signup_limits import SignupLimits
from notifier.signup_text import TEXT
from notifier.templating import TEMPLATES
from shared.clock import Clock
from shared.enterprises import Consent, Enterprise, SocialEconomyKind
from shared.languages import written_language

log = structlog.get_logger()
_CONSENT_SOURCE = "signup-double-opt-in"
CONFIRM_PURPOSE = "signup-confirm"


class SignupRepository(Protocol):
    async def enterprise(self, enterprise_id: str) -> Enterprise | None: ...

    async def holder_of(self, enterprise_id: str, email: str) -> Enterprise | None: ...

    async def save_pending(
        self, enterprise_id: str, enterprise: dict[str, Any], nonce: str, at: datetime
    ) -> None: ...

    async def pending(self, enterprise_id: str, nonce: str) -> dict[str, Any] | None: ...

    async def confirm(self, enterprise: Enterprise) -> bool: ...


class Mail(Protocol):
    @property
    def sender(self) -> Sender: ...

    async def send(self, to: str, email: RenderedEmail, message_id: str) -> None: ...


@dataclass
class SignupDesk:
    """The sign-up's use cases, apart from FastAPI's wiring."""

    store: SignupRepository
    mail: Mail
    actions: ActionSigner
    links: LinkBuilder
    limits: SignupLimits
    clock: Clock
    public_base_url: str
    link_hours: int = 48
    monotonic: Callable[[], float] = time.monotonic

    async def submit(self, form: dict[str, str], language: str) -> None:
        """Act on a valid, non-robot submission: at most one email, to the address given.
        Raises SignupErrors (the form is wrong) or DeliveryError (the email could not go)."""
        request = read_signup(form)
        if self.limits.address_wait(request.email, self.monotonic()) > 0:
            log.info("signup_address_rate_limited")
            return
        now = self.clock()
        holder = await self.store.holder_of(request.enterprise_id, request.email)
        if holder is not None:
            url = self.links.for_enterprise(holder.id, holder.language).preferences
            email = existing_address_email(holder.name, holder.language, self.mail.sender, url)
            log.info("signup_for_known_address", enterprise_id=holder.id)
        else:
            nonce = secrets.token_urlsafe(12)
            document = signup_document(request, now)
            await self.store.save_pending(request.enterprise_id, document, nonce, now)
            expires = now + timedelta(hours=self.link_hours)
            token = self.actions.sign(CONFIRM_PURPOSE, [request.enterprise_id, nonce], expires)
            url = f"{self.public_base_url.rstrip('/')}/signup/confirm/{token}?lang={language}"
            email = confirmation_email(
                request.name, request.language, self.mail.sender, url, self.link_hours
            )
            log.info("signup_pending", enterprise_id=request.enterprise_id)
        await self.mail.send(request.email, email, f"signup-{uuid.uuid4()}")

    def _opened(self, token: str) -> tuple[str, str] | None:
        """(enterprise id, nonce) of a confirmation token; None if forged; ExpiredToken."""
        try:
            enterprise_id, nonce = self.actions.open(token, CONFIRM_PURPOSE, self.clock())
        except ExpiredToken:
            raise
        except (InvalidToken, ValueError):
            return None
        return enterprise_id, nonce

    async def to_confirm(self, token: str) -> Enterprise | str:
        """The enterprise the link would confirm, or why not: 'invalid', 'expired',
        'confirmed' (already done)."""
        try:
            opened = self._opened(token)
        except ExpiredToken:
            return "expired"
        if opened is None:
            return "invalid"
        enterprise_id, nonce = opened
        if await self.store.enterprise(enterprise_id) is not None:
            return "confirmed"
        document = await self.store.pending(enterprise_id, nonce)
        if document is None:
            return "expired"
        return Enterprise.model_validate(document)

    async def confirm(self, token: str) -> str:
        """'confirmed' (now or before), 'invalid' or 'expired'."""
        found = await self.to_confirm(token)
        if isinstance(found, str):
            return found
        now = self.clock()
        consent = {**found.consent, "email": Consent(granted=True, at=now, source=_CONSENT_SOURCE)}
        enterprise = found.model_copy(update={"consent": consent, "updated_at": now})
        if await self.store.confirm(enterprise):
            log.info("signup_confirmed", enterprise_id=enterprise.id)
        return "confirmed"


def _language(request: Request, asked: str | None) -> str:
    accepted = request.headers.get("accept-language", "")[:2].lower()
    return written_language(asked, accepted)


def _page(template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(lang=lang, t=TEXT[lang], **context)
    return HTMLResponse(html, status_code=status)


def _message(lang: str, key: str, status: int = 200, back: bool = False) -> HTMLResponse:
    t = TEXT[lang]
    return _page(
        "public_message.html.j2",
        lang,
        status,
        page_id=key,
        heading=t[f"{key}_title"],
        body=t[f"{key}_body"],
        back_url=f"/signup?lang={lang}" if back else None,
        back_label=t["signup_again"],
    )


def _form_page(
    lang: str, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    return _page(
        "signup.html.j2",
        lang,
        status,
        other_lang="en" if lang == "fr" else "fr",
        values=values,
        errors=errors,
        kinds=[k.value for k in SocialEconomyKind],
        timezones=TIMEZONES,
        default_timezone="America/Toronto",
    )


def signup_router(desk: SignupDesk) -> APIRouter:
    router = APIRouter()

    @router.get("/signup", response_class=HTMLResponse)
    async def signup_form(request: Request, lang: str | None = None) -> HTMLResponse:
        return _form_page(_language(request, lang), {}, {})

    @router.post("/signup", response_class=HTMLResponse)
    async def signup(request: Request) -> HTMLResponse:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        lang = _language(request, form.get("lang"))
        client = request.client.host if request.client else "unknown"
        wait = desk.limits.client_wait(client, desk.monotonic())
        if wait > 0:
            response = _message(lang, "limited", status=429)
            response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
        if is_bot(form):
            log.info("signup_honeypot")
            return _message(lang, "sent")
        try:
            await desk.submit(form, lang)
        except SignupErrors as exc:
            values = {k: form.get(k, "") for k in FIELDS}
            return _form_page(lang, values, exc.fields, status=422)
        except DeliveryError as exc:
            log.warning("signup_mail_failed", error=str(exc)[:200])
            return _message(lang, "unavailable", status=503)
        return _message(lang, "sent")

    @router.get("/signup/confirm/{token}", response_class=HTMLResponse)
    async def confirm_page(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
        language = _language(request, lang)
        found = await desk.to_confirm(token)
        if isinstance(found, str):
            return _outcome(language, "already" if found == "confirmed" else found)
        return _page(
            "signup_confirm.html.j2",
            written_language(lang, found.language),
            name=found.name,
            email=found.contacts.email,
            action=f"/signup/confirm/{token}?lang={language}",
        )

    @router.post("/signup/confirm/{token}", response_class=HTMLResponse)
    async def confirm(request: Request, token: str, lang: str | None = None) -> HTMLResponse:
        return _outcome(_language(request, lang), await desk.confirm(token))

    return router


def _outcome(lang: str, outcome: str) -> HTMLResponse:
    if outcome in ("confirmed", "already"):
        return _message(lang, outcome)
    if outcome == "expired":
        return _message(lang, "expired", status=410, back=True)
    return _message(lang, "not_found", status=404, back=True)
