"""The preference centre: pages reached by the signed link in every message.

- `GET /preferences/{token}`: channels (consent), cadence, digest time, quiet hours, pause,
  reminders and per-profile overrides; `POST` saves them.
- `GET /unsubscribe/{token}`: a confirmation page only, since mail scanners follow links.
- `POST /unsubscribe/{token}`: RFC 8058 one-click unsubscribe, honoured at once: email consent
  is withdrawn in MongoDB before the answer, and the notifier reads consent at send time.

The token is the only credential (no cookies, as RFC 8058 wants), so every answer keeps it out of
referrers, caches and search engines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from notifier.ports import PreferenceRepository
from notifier.preference_form import CHANNELS, FormError, consent_changes, read_form
from notifier.signing import InvalidToken, LinkSigner
from notifier.templating import TEMPLATES
from notifier.web_text import TEXT
from shared.clock import Clock, utc_now
from shared.enterprises import Cadence, Enterprise
from shared.events import Channel
from shared.languages import written_language

log = structlog.get_logger()

_SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        # Scripts and fetches from Vigie itself: the profile editor's type-ahead.
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
}
_ONE_CLICK_SOURCES = {"unsubscribe-page", "preference-centre"}


def _language(requested: str | None, enterprise: Enterprise | None) -> str:
    return written_language(requested, enterprise.language if enterprise else None)


def _page(template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(lang=lang, t=TEXT[lang], **context)
    return HTMLResponse(html, status_code=status)


def _unsubscribe_source(form: dict[str, str]) -> str:
    if form.get("List-Unsubscribe") == "One-Click":
        return "list-unsubscribe-one-click"
    source = form.get("source", "")
    return source if source in _ONE_CLICK_SOURCES else "unsubscribe-link"


class PreferenceCentre:
    """The routes' logic, apart from FastAPI's wiring."""

    def __init__(self, store: PreferenceRepository, signer: LinkSigner, clock: Clock) -> None:
        self._store = store
        self._signer = signer
        self._clock = clock

    async def enterprise_for(self, token: str) -> Enterprise | None:
        try:
            enterprise_id = self._signer.verify(token)
        except InvalidToken:
            return None
        return await self._store.enterprise(enterprise_id)

    def preferences_page(
        self, enterprise: Enterprise, token: str, lang: str, *, saved: bool, error: bool
    ) -> HTMLResponse:
        other = "en" if lang == "fr" else "fr"
        return _page(
            "preferences.html.j2",
            lang,
            status=422 if error else 200,
            enterprise=enterprise,
            prefs=enterprise.preferences,
            consent={c.value: enterprise.consents_to(c.value) for c in CHANNELS},
            cadences=[c.value for c in Cadence],
            channels=[c.value for c in CHANNELS],
            weekdays=TEXT[lang]["weekdays"].split(","),
            other_lang=other,
            action=f"/preferences/{quote(token, safe='')}",
            unsubscribe_action=f"/unsubscribe/{quote(token, safe='')}?lang={lang}",
            saved=saved,
            error=error,
        )

    async def save(self, enterprise: Enterprise, form: dict[str, str]) -> None:
        change = read_form(enterprise, form)
        now = self._clock()
        for channel in consent_changes(enterprise, change.consent):
            granted = change.consent[channel]
            await self._store.set_consent(enterprise.id, channel, granted, "preference-centre", now)
            log.info("consent_changed", channel=channel.value, granted=granted)
        await self._store.save_preferences(enterprise.id, change.preferences, change.profiles, now)

    async def unsubscribe(self, enterprise: Enterprise, source: str) -> None:
        if enterprise.consents_to(Channel.EMAIL.value):
            await self._store.set_consent(
                enterprise.id, Channel.EMAIL, False, source, self._clock()
            )
            log.info("unsubscribed", channel="email", source=source)


async def _form(request: Request) -> dict[str, str]:
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


def create_app(store: PreferenceRepository, signer: LinkSigner, clock: Clock = utc_now) -> FastAPI:
    """The app alone: the notifier process serves it beside its consumer (see `http_server`)."""
    centre = PreferenceCentre(store, signer, clock)
    app = FastAPI(title="Vigie preference centre", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(_SECURITY_HEADERS)
        return response

    def not_found(lang: str) -> HTMLResponse:
        return _page("not_found.html.j2", lang, status=404)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/preferences/{token}", response_class=HTMLResponse)
    async def preferences(token: str, lang: str | None = None, saved: int = 0) -> HTMLResponse:
        enterprise = await centre.enterprise_for(token)
        language = _language(lang, enterprise)
        if enterprise is None:
            return not_found(language)
        return centre.preferences_page(enterprise, token, language, saved=bool(saved), error=False)

    @app.post("/preferences/{token}", response_model=None)
    async def save_preferences(token: str, request: Request) -> Response:
        enterprise = await centre.enterprise_for(token)
        form = await _form(request)
        language = _language(form.get("lang"), enterprise)
        if enterprise is None:
            return not_found(language)
        try:
            await centre.save(enterprise, form)
        except FormError as exc:
            log.info("preferences_refused", error=str(exc)[:300])
            return centre.preferences_page(enterprise, token, language, saved=False, error=True)
        target = f"/preferences/{quote(token, safe='')}?lang={language}&saved=1"
        return RedirectResponse(target, status_code=303)

    @app.get("/unsubscribe/{token}", response_class=HTMLResponse)
    async def confirm_unsubscribe(token: str, lang: str | None = None) -> HTMLResponse:
        enterprise = await centre.enterprise_for(token)
        language = _language(lang, enterprise)
        if enterprise is None:
            return not_found(language)
        quoted = quote(token, safe="")
        return _page(
            "unsubscribe.html.j2",
            language,
            enterprise=enterprise,
            action=f"/unsubscribe/{quoted}?lang={language}",
            preferences_url=f"/preferences/{quoted}?lang={language}",
        )

    @app.post("/unsubscribe/{token}", response_class=HTMLResponse)
    async def unsubscribe(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
        enterprise = await centre.enterprise_for(token)
        language = _language(lang, enterprise)
        if enterprise is None:
            return not_found(language)
        await centre.unsubscribe(enterprise, _unsubscribe_source(await _form(request)))
        return _page(
            "unsubscribed.html.j2",
            language,
            enterprise=enterprise,
            preferences_url=f"/preferences/{quote(token, safe='')}?lang={language}",
        )

    return app
