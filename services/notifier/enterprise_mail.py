"""The emails an enterprise gets about its account, not about tenders: the sign-up
confirmation, the note that someone tried to sign up with its address, and the operator's
verification or rejection. Pure: rendering only (`render.render_email`), in its language.

These are transactional: they carry the sender block but no unsubscribe link, and are never
sent to an address that did not ask (the sign-up form) or is not an enterprise's.
"""

from __future__ import annotations

from notifier.render import RenderedEmail, Sender, render_email
from shared.languages import written_language

_WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "confirm_subject": "Vigie : confirmez l'inscription de {name}",
        "confirm_heading": "Confirmez votre adresse",
        "confirm_body": (
            "Vous (ou quelqu'un qui a donné votre adresse) avez inscrit {name} aux alertes "
            "d'appels d'offres de Vigie. Confirmez en ouvrant le lien ci-dessous ; il expire "
            "dans {hours} heures. Sans confirmation, nous ne vous écrirons plus."
        ),
        "confirm_action": "Confirmer mon inscription",
        "existing_subject": "Vigie : tentative d'inscription avec votre adresse",
        "existing_heading": "Quelqu'un a voulu s'inscrire avec votre adresse",
        "existing_body": (
            "Une inscription aux alertes de Vigie vient d'être demandée avec cette adresse, "
            "qui est déjà celle de {name}. Si c'était vous, vos alertes se gèrent depuis le lien "
            "ci-dessous. Sinon, ignorez ce message : rien n'a changé."
        ),
        "existing_action": "Gérer mes alertes",
        "verified_subject": "Vigie : {name} est vérifiée, vos alertes commencent",
        "verified_heading": "Votre statut est vérifié",
        "verified_body": (
            "Un opérateur de Vigie a vérifié le statut d'économie sociale de {name}. Vous "
            "recevrez désormais les appels d'offres qui correspondent à votre profil."
        ),
        "verified_action": "Gérer mes alertes",
        "rejected_subject": "Vigie : inscription de {name} refusée",
        "rejected_heading": "Votre inscription n'a pas pu être vérifiée",
        "rejected_body": (
            "Un opérateur de Vigie n'a pas pu vérifier le statut d'économie sociale de {name}. "
            "Raison : {reason}. Pour en parler, répondez à {contact}."
        ),
    },
    "en": {
        "confirm_subject": "Vigie: confirm the sign-up of {name}",
        "confirm_heading": "Confirm your address",
        "confirm_body": (
            "You (or someone who gave your address) signed {name} up for Vigie's tender "
            "alerts. Confirm by opening the link below; it expires in {hours} hours. Without "
            "confirmation, we will not write to you again."
        ),
        "confirm_action": "Confirm my sign-up",
        "existing_subject": "Vigie: a sign-up attempt with your address",
        "existing_heading": "Someone tried to sign up with your address",
        "existing_body": (
            "A sign-up for Vigie's alerts was just requested with this address, which is "
            "already {name}'s. If it was you, manage your alerts from the link below. If not, "
            "ignore this message: nothing changed."
        ),
        "existing_action": "Manage my alerts",
        "verified_subject": "Vigie: {name} is verified, your alerts start",
        "verified_heading": "Your status is verified",
        "verified_body": (
            "A Vigie operator verified the social-economy status of {name}. From now on you "
            "will get the calls for tenders that fit your profile."
        ),
        "verified_action": "Manage my alerts",
        "rejected_subject": "Vigie: sign-up of {name} refused",
        "rejected_heading": "Your sign-up could not be verified",
        "rejected_body": (
            "A Vigie operator could not verify the social-economy status of {name}. Reason: "
            "{reason}. To discuss it, write to {contact}."
        ),
    },
}


def _notice(
    kind: str,
    language: str,
    sender: Sender,
    action_url: str | None,
    **values: str,
) -> RenderedEmail:
    lang = written_language(language)
    words = _WORDS[lang]
    values = {**values, "contact": sender.contact}
    context = {
        "heading": words[f"{kind}_heading"],
        "paragraphs": [words[f"{kind}_body"].format(**values)],
        "action_url": action_url,
        "action_label": words.get(f"{kind}_action", ""),
    }
    subject = words[f"{kind}_subject"].format(**values)
    return render_email("enterprise_notice", lang, subject, sender, None, context)


def confirmation_email(
    name: str, language: str, sender: Sender, url: str, hours: int
) -> RenderedEmail:
    return _notice("confirm", language, sender, url, name=name, hours=str(hours))


def existing_address_email(
    name: str, language: str, sender: Sender, preferences_url: str
) -> RenderedEmail:
    return _notice("existing", language, sender, preferences_url, name=name)


def verified_email(
    name: str, language: str, sender: Sender, preferences_url: str | None
) -> RenderedEmail:
    return _notice("verified", language, sender, preferences_url, name=name)


def rejected_email(name: str, language: str, sender: Sender, reason: str) -> RenderedEmail:
    return _notice("rejected", language, sender, None, name=name, reason=reason)
