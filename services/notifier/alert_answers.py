"""Answers to an alert, from the signed links it carries (`alert_links`).

- `GET /alert/{token}`: the tender, its documents link, and a form with the answer the link
  named already chosen (interested; or not interested, and why). Nothing is recorded: mail
  scanners and link previews open every link of a message, so a GET that recorded the answer
  would answer for the enterprise. The enterprise confirms with one button.
- `POST /alert/{token}`: records the answer, one record per (tender, enterprise); answering
  again replaces it.
- `GET /a/{code}`: a text message's short link (`short_links`), redirected to its answer page.
- `GET /documents/{token}`: records that the documents were opened (first and last time), then
  redirects to the tender's current documents URL, read from the tender store, never from the
  link (no open redirect). A scanner that follows this link is counted as an opening: the
  reach calls it "documents opened", an upper bound, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from notifier.action_tokens import ActionSigner
from notifier.alert_links import ALERT_PURPOSE
from notifier.ports import InterestRepository
from notifier.signing import InvalidToken
from notifier.signup_text import TEXT
from notifier.templating import TEMPLATES
from shared.clock import Clock
from shared.interest import Answer, DeclineReason, read_answer
from shared.languages import written_language

log = structlog.get_logger()


class ShortLinkResolver(Protocol):
    async def target(self, code: str, now: datetime) -> str | None: ...


@dataclass
class AlertAnswers:
    store: InterestRepository
    actions: ActionSigner
    clock: Clock
    short_links: ShortLinkResolver | None = None

    def opened(self, token: str) -> tuple[str, str] | None:
        """(enterprise id, tender uid) of a valid alert token, else None."""
        try:
            enterprise_id, tender_uid = self.actions.open(token, ALERT_PURPOSE, self.clock())
        except (InvalidToken, ValueError):
            return None
        return enterprise_id, tender_uid


def _page(template: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(lang=lang, t=TEXT[lang], **context)
    return HTMLResponse(html, status_code=status)


def _not_found(lang: str) -> HTMLResponse:
    t = TEXT[lang]
    return _page(
        "public_message.html.j2",
        lang,
        404,
        page_id="not_found",
        heading=t["not_found_title"],
        body=t["not_found_body"],
        back_url=None,
        back_label="",
    )


def _answer_words(lang: str, answer: Answer, reason: DeclineReason | None) -> str:
    t = TEXT[lang]
    words = t[answer.value]
    return f"{words} ({t['reason_' + reason.value]})" if reason else words


def alert_router(answers: AlertAnswers) -> APIRouter:
    router = APIRouter()

    async def answer_page(
        token: str, lang: str, answer: str | None, reason: str | None, invalid: bool
    ) -> HTMLResponse:
        opened = answers.opened(token)
        tender = await answers.store.tender(opened[1]) if opened else None
        if opened is None or tender is None:
            return _not_found(lang)
        record = await answers.store.record(opened[1], opened[0]) or {}
        current = None
        if record.get("answer"):
            recorded_reason = record.get("reason")
            current = _answer_words(
                lang,
                Answer(record["answer"]),
                DeclineReason(recorded_reason) if recorded_reason else None,
            )
        return _page(
            "alert_answer.html.j2",
            lang,
            422 if invalid else 200,
            tender=tender,
            documents_url=f"/documents/{token}",
            action=f"/alert/{token}?lang={lang}",
            answer=answer or record.get("answer"),
            reason=reason or record.get("reason"),
            reasons=[r.value for r in DeclineReason],
            current=current,
            invalid=invalid,
        )

    @router.get("/alert/{token}", response_class=HTMLResponse)
    async def show(
        token: str, lang: str | None = None, answer: str | None = None, reason: str | None = None
    ) -> HTMLResponse:
        return await answer_page(token, written_language(lang), answer, reason, invalid=False)

    @router.post("/alert/{token}", response_class=HTMLResponse)
    async def record(token: str, request: Request, lang: str | None = None) -> HTMLResponse:
        language = written_language(lang)
        form = await request.form()
        given, why = form.get("answer"), form.get("reason")
        opened = answers.opened(token)
        if opened is None:
            return _not_found(language)
        try:
            answer, reason = read_answer(
                given if isinstance(given, str) else None, why if isinstance(why, str) else None
            )
        except ValueError:
            return await answer_page(token, language, None, None, invalid=True)
        enterprise_id, tender_uid = opened
        await answers.store.answer(tender_uid, enterprise_id, answer, reason, answers.clock())
        log.info("alert_answered", tender_uid=tender_uid, answer=answer.value)
        t = TEXT[language]
        return _page(
            "public_message.html.j2",
            language,
            page_id="answered",
            heading=t["answered_title"],
            body=t["answered_body"].format(answer=_answer_words(language, answer, reason)),
            back_url=f"/alert/{token}?lang={language}",
            back_label=t["answer_title"],
        )

    @router.get("/a/{code}", response_model=None)
    async def short_link(code: str) -> Response:
        """A text message's short link: on to the answer page it stands for."""
        resolver = answers.short_links
        target = await resolver.target(code, answers.clock()) if resolver else None
        if target is None:
            return _not_found("fr")
        return RedirectResponse(target, status_code=303)

    @router.get("/documents/{token}", response_model=None)
    async def documents(token: str, lang: str | None = None) -> Response:
        opened = answers.opened(token)
        tender = await answers.store.tender(opened[1]) if opened else None
        if opened is None or tender is None or not tender.documents_url:
            return _not_found(written_language(lang))
        enterprise_id, tender_uid = opened
        await answers.store.documents_opened(tender_uid, enterprise_id, answers.clock())
        return RedirectResponse(tender.documents_url, status_code=303)

    return router
