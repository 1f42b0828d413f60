"""The enterprise-facing public pages beside the preference centre: sign-up and alert answers.
Wiring only (the composition root includes the one router this returns)."""

from __future__ import annotations

from fastapi import APIRouter
from pymongo.asynchronous.database import AsyncDatabase

from notifier.action_tokens import ActionSigner
from notifier.alert_answers import AlertAnswers, alert_router
from notifier.alert_links import AlertLinkBuilder
from notifier.interest_store import InterestStore
from notifier.links import LinkBuilder
from notifier.mailer import SmtpMailer
from notifier.settings import NotifierSettings
from notifier.short_links import ShortLinks
from notifier.signing import LinkSigner
from notifier.signup import SignupDesk, signup_router
from notifier.signup_limits import KeyedLimit, SignupLimits
from notifier.signup_store import SignupStore
from shared.clock import Clock
from shared.mongo import Document


def enterprise_router(
    settings: NotifierSettings,
    db: AsyncDatabase[Document],
    mailer: SmtpMailer,
    signer: LinkSigner,
    links: LinkBuilder,
    clock: Clock,
) -> APIRouter:
    actions = ActionSigner(signer)
    limits = SignupLimits(
        per_client=KeyedLimit(
            settings.signup_per_client_per_hour, settings.signup_per_client_burst
        ),
        per_address=KeyedLimit(
            settings.signup_per_address_per_hour, settings.signup_per_address_burst
        ),
    )
    desk = SignupDesk(
        SignupStore(db),
        mailer,
        actions,
        links,
        limits,
        clock,
        settings.public_base_url,
        settings.signup_link_hours,
    )
    router = APIRouter()
    router.include_router(signup_router(desk))
    alerts = AlertLinkBuilder(actions, settings.public_base_url)
    short_links = ShortLinks(db, signer, alerts, settings.public_base_url)
    answers = AlertAnswers(InterestStore(db), actions, clock, short_links)
    router.include_router(alert_router(answers))
    return router
