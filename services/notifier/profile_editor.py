"""The enterprise's portal, alert profiles: list, add, edit, delete, pickers and preview.

Reached from the preference centre, itself reached by the signed link in every message: the
token is the only credential, as there (no cookies), and every page is server-rendered HTML that
works without JavaScript; `profile-editor.js` only adds type-ahead to the pickers.

- `GET /portal/{token}/profiles`: the profiles; `GET|POST .../profiles/{id}` (`new` to add):
  the form. A POST's `action` is `save`, `search_codes`, `search_territories` (the no-JS
  pickers: the page comes back with the results as boxes to tick, the draft kept) or `preview`.
- `GET|POST .../profiles/{id}/delete`: confirm, then delete (never the last profile).
- `GET /portal/{token}/codes.json?q=` and `.../territories.json?q=`: the pickers' searches,
  at most `MAX_RESULTS` choices.

A saved profile is written with the enterprise's current preferences and announced on
`vigie.enterprises.v1` by the store, so running matchers apply it within a second.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from notifier.pickers import (
    MAX_RESULTS,
    Choice,
    code_choice,
    parse_code_value,
    search_codes,
    search_territories,
    territory_choice,
)
from notifier.portal_text import PORTAL_TEXT
from notifier.ports import ProfileRepository
from notifier.preference_form import CHANNELS, channel_available
from notifier.profile_form import CURRENCIES, Draft, check, draft_of, read_draft
from notifier.profile_preview import Preview, RecentTenders, preview, window_start
from notifier.signing import InvalidToken, LinkSigner
from notifier.templating import TEMPLATES
from notifier.web_text import TEXT
from shared.clock import Clock
from shared.enterprises import AlertProfile, Cadence, Enterprise
from shared.events import Category
from shared.languages import written_language

log = structlog.get_logger()

SCRIPT = Path(__file__).resolve().parent / "static" / "profile-editor.js"
Query100 = Annotated[str, Query(max_length=100)]
_ACTIONS = ("save", "preview", "search_codes", "search_territories")


def _html(template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(lang=lang, t=PORTAL_TEXT[lang], **context)
    return HTMLResponse(html, status_code=status)


def _channels(enterprise: Enterprise) -> list[str]:
    return [c.value for c in CHANNELS if channel_available(enterprise, c)]


class ProfileEditor:
    def __init__(
        self, store: ProfileRepository, signer: LinkSigner, tenders: RecentTenders, clock: Clock
    ) -> None:
        self._store, self._signer, self._tenders, self._clock = store, signer, tenders, clock

    async def enterprise_for(self, token: str) -> Enterprise | None:
        try:
            return await self._store.enterprise(self._signer.verify(token))
        except InvalidToken:
            return None

    def base(self, token: str) -> str:
        return f"/portal/{quote(token, safe='')}"

    def list_page(
        self, enterprise: Enterprise, token: str, lang: str, notice: str = "", error: str = ""
    ) -> HTMLResponse:
        summaries = [
            {
                "profile": p,
                "codes": [code_choice(c.scheme, c.prefix, lang).label for c in p.codes],
                "territories": [territory_choice(c, lang).label for c in p.territories],
            }
            for p in enterprise.profiles
        ]
        return _html(
            "portal_profiles.html.j2",
            lang,
            status=409 if error else 200,
            enterprise=enterprise,
            summaries=summaries,
            base=self.base(token),
            preferences_url=f"/preferences/{quote(token, safe='')}?lang={lang}",
            other_lang="en" if lang == "fr" else "fr",
            notice=notice,
            error=error,
        )

    def form_page(
        self,
        enterprise: Enterprise,
        token: str,
        lang: str,
        profile_id: str,
        draft: Draft,
        *,
        errors: dict[str, str] | None = None,
        saved: bool = False,
        code_results: Sequence[Choice] | None = None,
        territory_results: Sequence[Choice] | None = None,
        query: dict[str, str] | None = None,
        shown_preview: Preview | None = None,
    ) -> HTMLResponse:
        codes = [
            code_choice(*parsed, lang) if (parsed := parse_code_value(v)) else Choice(v, v)
            for v in draft.codes
        ]
        base = self.base(token)
        return _html(
            "portal_profile.html.j2",
            lang,
            status=422 if errors else 200,
            enterprise=enterprise,
            profile_id=profile_id,
            is_new=enterprise.profile(profile_id) is None,
            draft=draft,
            errors=errors or {},
            saved=saved,
            chosen_codes=codes,
            chosen_territories=[territory_choice(c, lang) for c in draft.territories],
            code_results=_unchosen(code_results, draft.codes),
            territory_results=_unchosen(territory_results, draft.territories),
            query=query or {},
            preview=shown_preview,
            channels=_channels(enterprise),
            cadences=[c.value for c in Cadence],
            categories=[c.value for c in Category],
            currencies=CURRENCIES,
            base=base,
            action=f"{base}/profiles/{quote(profile_id, safe='')}",
            other_lang="en" if lang == "fr" else "fr",
        )

    async def save(self, enterprise: Enterprise, profile: AlertProfile) -> None:
        profiles = list(enterprise.profiles)
        at = next((i for i, p in enumerate(profiles) if p.id == profile.id), None)
        if at is None:
            profiles.append(profile)
        else:
            profiles[at] = profile
        await self._save(enterprise, profiles)
        log.info("profile_saved", profile_id=profile.id, created=at is None)

    async def delete(self, enterprise: Enterprise, profile_id: str) -> bool:
        """False when it is the last profile (an enterprise has at least one)."""
        profiles = [p for p in enterprise.profiles if p.id != profile_id]
        if not profiles:
            return False
        if len(profiles) < len(enterprise.profiles):
            await self._save(enterprise, profiles)
            log.info("profile_deleted", profile_id=profile_id)
        return True

    async def _save(self, enterprise: Enterprise, profiles: list[AlertProfile]) -> None:
        await self._store.save_preferences(
            enterprise.id, enterprise.preferences, profiles, self._clock()
        )

    async def preview(self, enterprise: Enterprise, profile: AlertProfile) -> Preview:
        since = window_start(self._clock())
        recent = await self._tenders.published_since(since)
        return preview(profile, recent, since, enterprise.language)


def _unchosen(results: Sequence[Choice] | None, chosen: Sequence[str]) -> list[Choice] | None:
    return None if results is None else [c for c in results if c.value not in chosen]


def new_profile_id(enterprise: Enterprise) -> str:
    while True:
        candidate = f"p-{secrets.token_hex(4)}"
        if enterprise.profile(candidate) is None:
            return candidate


async def _fields(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    return fields


def _first(fields: dict[str, list[str]], name: str) -> str:
    values = fields.get(name)
    return values[0] if values else ""


def profile_router(
    store: ProfileRepository, signer: LinkSigner, tenders: RecentTenders, clock: Clock
) -> APIRouter:
    editor = ProfileEditor(store, signer, tenders, clock)
    router = APIRouter()

    def not_found(lang: str) -> HTMLResponse:
        html = TEMPLATES.get_template("not_found.html.j2").render(lang=lang, t=TEXT[lang])
        return HTMLResponse(html, status_code=404)

    def language(requested: str | None, enterprise: Enterprise | None) -> str:
        return written_language(requested, enterprise.language if enterprise else None)

    @router.get("/portal/profile-editor.js", include_in_schema=False)
    async def script() -> Response:
        return Response(SCRIPT.read_bytes(), media_type="text/javascript")

    @router.get("/portal/{token}/profiles", response_class=HTMLResponse)
    async def profiles(token: str, lang: str | None = None, deleted: int = 0) -> HTMLResponse:
        enterprise = await editor.enterprise_for(token)
        lang_ = language(lang, enterprise)
        if enterprise is None:
            return not_found(lang_)
        notice = PORTAL_TEXT[lang_]["profile_deleted"] if deleted else ""
        return editor.list_page(enterprise, token, lang_, notice=notice)

    @router.get("/portal/{token}/profiles/{profile_id}", response_class=HTMLResponse)
    async def edit(
        token: str, profile_id: str, lang: str | None = None, saved: int = 0
    ) -> HTMLResponse:
        enterprise = await editor.enterprise_for(token)
        lang_ = language(lang, enterprise)
        if enterprise is None:
            return not_found(lang_)
        profile = enterprise.profile(profile_id)
        if profile is None and profile_id != "new":
            return not_found(lang_)
        draft = draft_of(profile) if profile else Draft(channels=_channels(enterprise))
        return editor.form_page(enterprise, token, lang_, profile_id, draft, saved=bool(saved))

    @router.post("/portal/{token}/profiles/{profile_id}", response_model=None)
    async def submit(token: str, profile_id: str, request: Request) -> Response:
        enterprise = await editor.enterprise_for(token)
        fields = await _fields(request)
        lang_ = language(_first(fields, "lang"), enterprise)
        if enterprise is None or (profile_id != "new" and not enterprise.profile(profile_id)):
            return not_found(lang_)
        draft = read_draft(fields)
        action = _first(fields, "action") or "save"
        if action not in _ACTIONS:
            return PlainTextResponse(f"unknown action {action[:40]!r}: one of {_ACTIONS}", 400)
        query = {k: _first(fields, k)[:100] for k in ("code_q", "territory_q")}
        if action == "search_codes":
            results = search_codes(query["code_q"], lang_, limit=15)
            return editor.form_page(
                enterprise, token, lang_, profile_id, draft, code_results=results, query=query
            )
        if action == "search_territories":
            results = search_territories(query["territory_q"], lang_, limit=15)
            return editor.form_page(
                enterprise, token, lang_, profile_id, draft, territory_results=results, query=query
            )
        saved_id = new_profile_id(enterprise) if profile_id == "new" else profile_id
        checked = check(draft, saved_id, lang_, _channels(enterprise))
        if checked.profile is None:
            log.info("profile_refused", fields=sorted(checked.errors))
            return editor.form_page(
                enterprise, token, lang_, profile_id, draft, errors=checked.errors, query=query
            )
        if action == "preview":
            shown = await editor.preview(enterprise, checked.profile)
            return editor.form_page(
                enterprise, token, lang_, profile_id, draft, shown_preview=shown, query=query
            )
        await editor.save(enterprise, checked.profile)
        target = f"{editor.base(token)}/profiles/{quote(saved_id, safe='')}?lang={lang_}&saved=1"
        return RedirectResponse(target, status_code=303)

    @router.get("/portal/{token}/profiles/{profile_id}/delete", response_class=HTMLResponse)
    async def confirm_delete(token: str, profile_id: str, lang: str | None = None) -> HTMLResponse:
        enterprise = await editor.enterprise_for(token)
        lang_ = language(lang, enterprise)
        profile = enterprise.profile(profile_id) if enterprise else None
        if enterprise is None or profile is None:
            return not_found(lang_)
        base = editor.base(token)
        return _html(
            "portal_delete.html.j2",
            lang_,
            profile=profile,
            action=f"{base}/profiles/{quote(profile_id, safe='')}/delete",
            back=f"{base}/profiles?lang={lang_}",
        )

    @router.post("/portal/{token}/profiles/{profile_id}/delete", response_model=None)
    async def delete(token: str, profile_id: str, request: Request) -> Response:
        enterprise = await editor.enterprise_for(token)
        fields = await _fields(request)
        lang_ = language(_first(fields, "lang"), enterprise)
        if enterprise is None:
            return not_found(lang_)
        if not await editor.delete(enterprise, profile_id):
            error = PORTAL_TEXT[lang_]["profile_delete_last"]
            return editor.list_page(enterprise, token, lang_, error=error)
        return RedirectResponse(f"{editor.base(token)}/profiles?lang={lang_}&deleted=1", 303)

    async def _search(token: str, found: list[Choice]) -> Response:
        if await editor.enterprise_for(token) is None:
            return JSONResponse({"detail": "unknown or altered link"}, status_code=404)
        return JSONResponse(
            {
                "results": [
                    {"value": c.value, "label": c.label, "detail": c.detail, "lang": c.lang}
                    for c in found
                ]
            }
        )

    @router.get("/portal/{token}/codes.json")
    async def codes(
        token: str, q: Query100 = "", lang: str = "fr", limit: int = Query(10, ge=1, le=MAX_RESULTS)
    ) -> Response:
        return await _search(token, search_codes(q, written_language(lang), limit=limit))

    @router.get("/portal/{token}/territories.json")
    async def territories(
        token: str, q: Query100 = "", lang: str = "fr", limit: int = Query(10, ge=1, le=MAX_RESULTS)
    ) -> Response:
        return await _search(token, search_territories(q, written_language(lang), limit=limit))

    return router
