"""The words of the sign-up and alert-answer pages, in French and English."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "other_language": "English",
        "colon": " : ",
        "signup_title": "Inscrire votre entreprise",
        "signup_intro": (
            "Vigie vous écrit dès qu'un acheteur public publie un appel d'offres fait pour "
            "vous. Réservé aux entreprises d'économie sociale : un opérateur vérifie votre "
            "statut avant le premier envoi."
        ),
        "required_note": "Les champs marqués * sont obligatoires.",
        "errors_summary": "Le formulaire contient {count} erreur(s) :",
        "enterprise": "Votre entreprise",
        "name": "Nom de l'entreprise",
        "kind": "Forme d'économie sociale",
        "kind_cooperative": "Coopérative",
        "kind_non_profit": "Organisme à but non lucratif",
        "kind_insertion": "Entreprise d'insertion",
        "kind_sheltered_workshop": "Entreprise adaptée",
        "identifiers": "Identifiants (au moins un)",
        "neq": "NEQ (Québec, 10 chiffres)",
        "siret": "SIRET (France, 14 chiffres)",
        "trade": "Votre métier",
        "keywords": "Mots-clés de ce que vous faites, séparés par des virgules",
        "keywords_hint": "Par exemple : entretien ménager, déneigement, traiteur",
        "contact": "Contact et langue",
        "email": "Courriel",
        "phone": "Cellulaire (facultatif, pour les textos)",
        "phone_hint": "Par exemple : +1 514 555 0199 ou 06 12 34 56 78",
        "language": "Langue des messages",
        "language_fr": "Français",
        "language_en": "Anglais",
        "timezone": "Fuseau horaire",
        "consent": "Consentements",
        "consent_email": "J'accepte de recevoir les alertes d'appels d'offres par courriel.",
        "consent_sms": "J'accepte aussi de les recevoir par texto au cellulaire indiqué.",
        "buyer_contact": (
            "Les acheteurs dont un appel nous intéresse peuvent voir notre nom et notre "
            "courriel pour nous contacter."
        ),
        "consent_note": (
            "Vous pourrez retirer chaque consentement à tout moment par le lien de chaque message."
        ),
        "honeypot": "Ne pas remplir ce champ",
        "submit": "M'inscrire",
        "sent_title": "Vérifiez votre courriel",
        "sent_body": (
            "Si l'adresse est valide, un message vient d'y être envoyé. Cliquez sur le lien "
            "qu'il contient pour confirmer votre inscription ; rien d'autre ne vous sera envoyé "
            "avant."
        ),
        "limited_title": "Trop de tentatives",
        "limited_body": "Trop de demandes viennent de votre connexion. Réessayez dans une heure.",
        "unavailable_title": "Service momentanément indisponible",
        "unavailable_body": (
            "Nous n'avons pas pu envoyer le courriel. Réessayez dans quelques minutes."
        ),
        "confirm_title": "Confirmer votre adresse",
        "confirm_body": "Confirmez l'inscription de {name} à {email}.",
        "confirm_button": "Confirmer mon inscription",
        "confirmed_title": "Adresse confirmée",
        "confirmed_body": (
            "Merci. Un opérateur va maintenant vérifier votre statut d'entreprise d'économie "
            "sociale ; vous recevrez un courriel dès qu'il l'aura fait, et vos alertes "
            "commenceront alors."
        ),
        "already_title": "Déjà confirmée",
        "already_body": "Cette inscription est déjà confirmée.",
        "expired_title": "Lien expiré",
        "expired_body": (
            "Ce lien n'est plus valide : il a expiré ou un lien plus récent l'a remplacé. "
            "Inscrivez-vous de nouveau pour en recevoir un autre."
        ),
        "signup_again": "Retour à l'inscription",
        "error_required": "Ce champ est obligatoire.",
        "error_too_long": "Ce texte est trop long (200 caractères au plus).",
        "error_choice_invalid": "Choisissez une des options proposées.",
        "error_identifier_required": "Indiquez votre NEQ ou votre SIRET.",
        "error_neq_invalid": "Un NEQ compte exactement 10 chiffres.",
        "error_siret_length": "Un SIRET compte exactement 14 chiffres.",
        "error_siret_key": "Ce SIRET n'est pas valide : sa clé de contrôle ne correspond pas.",
        "error_email_invalid": "Cette adresse courriel n'est pas valide.",
        "error_phone_invalid": "Ce numéro de téléphone n'est pas valide.",
        "error_phone_not_mobile": (
            "Ce numéro est une ligne fixe : il ne peut pas recevoir de textos."
        ),
        "error_phone_for_sms": "Indiquez un cellulaire pour recevoir les textos.",
        "error_consent_required": (
            "Cochez cette case : sans elle, nous ne pouvons rien vous envoyer."
        ),
        "error_keywords_invalid": "De 1 à 20 mots-clés, de 2 à 80 caractères chacun.",
        "answer_title": "Cet appel d'offres vous intéresse-t-il ?",
        "answer_intro": (
            "Votre réponse aide l'acheteur à savoir si son appel a atteint l'économie sociale."
        ),
        "tender": "Appel d'offres",
        "buyer": "Acheteur",
        "documents": "Consulter les documents",
        "answer": "Votre réponse",
        "interested": "Nous sommes intéressés",
        "declined": "Pas intéressés",
        "reason": "Pourquoi ?",
        "reason_too_big": "Trop gros pour nous",
        "reason_too_far": "Trop loin",
        "reason_not_our_trade": "Pas notre métier",
        "reason_deadline_too_short": "Délai trop court",
        "reason_other": "Autre raison",
        "answer_button": "Envoyer ma réponse",
        "current_answer": "Réponse enregistrée : {answer}.",
        "answered_title": "Merci pour votre réponse",
        "answered_body": (
            "Nous avons enregistré : {answer}. Vous pouvez la "
            "changer à tout moment avec le même lien."
        ),
        "error_answer": "Choisissez une réponse, et une raison si l'appel ne vous intéresse pas.",
        "not_found_title": "Lien introuvable",
        "not_found_body": "Ce lien n'est pas valide ou a expiré.",
    },
    "en": {
        "other_language": "Français",
        "colon": ": ",
        "signup_title": "Sign up your enterprise",
        "signup_intro": (
            "Vigie writes to you as soon as a public buyer publishes a call for tenders made "
            "for you. For social-economy enterprises only: an operator checks your status "
            "before anything is sent."
        ),
        "required_note": "Fields marked * are required.",
        "errors_summary": "The form has {count} error(s):",
        "enterprise": "Your enterprise",
        "name": "Enterprise name",
        "kind": "Social-economy kind",
        "kind_cooperative": "Co-operative",
        "kind_non_profit": "Non-profit organisation",
        "kind_insertion": "Work-integration enterprise",
        "kind_sheltered_workshop": "Sheltered workshop",
        "identifiers": "Identifiers (at least one)",
        "neq": "NEQ (Québec, 10 digits)",
        "siret": "SIRET (France, 14 digits)",
        "trade": "Your trade",
        "keywords": "Keywords for what you do, separated by commas",
        "keywords_hint": "For example: janitorial, snow removal, catering",
        "contact": "Contact and language",
        "email": "Email",
        "phone": "Mobile number (optional, for text messages)",
        "phone_hint": "For example: +1 514 555 0199 or +33 6 12 34 56 78",
        "language": "Language of messages",
        "language_fr": "French",
        "language_en": "English",
        "timezone": "Time zone",
        "consent": "Consent",
        "consent_email": "I agree to receive tender alerts by email.",
        "consent_sms": "I also agree to receive them by text message on the mobile number above.",
        "buyer_contact": (
            "Buyers whose calls we are interested in may see our name and email to contact us."
        ),
        "consent_note": "You can withdraw each consent at any time from the link in every message.",
        "honeypot": "Leave this field empty",
        "submit": "Sign up",
        "sent_title": "Check your email",
        "sent_body": (
            "If the address is valid, a message has just been sent to it. Click the link it "
            "holds to confirm your sign-up; nothing else will be sent to you before that."
        ),
        "limited_title": "Too many attempts",
        "limited_body": "Too many requests come from your connection. Try again in an hour.",
        "unavailable_title": "Service briefly unavailable",
        "unavailable_body": "We could not send the email. Try again in a few minutes.",
        "confirm_title": "Confirm your address",
        "confirm_body": "Confirm the sign-up of {name} at {email}.",
        "confirm_button": "Confirm my sign-up",
        "confirmed_title": "Address confirmed",
        "confirmed_body": (
            "Thank you. An operator will now check your social-economy status; you will get "
            "an email as soon as that is done, and your alerts will start then."
        ),
        "already_title": "Already confirmed",
        "already_body": "This sign-up is already confirmed.",
        "expired_title": "Link expired",
        "expired_body": (
            "This link is no longer valid: it expired or a newer link replaced it. Sign up "
            "again to get another one."
        ),
        "signup_again": "Back to sign-up",
        "error_required": "This field is required.",
        "error_too_long": "This text is too long (200 characters at most).",
        "error_choice_invalid": "Choose one of the options offered.",
        "error_identifier_required": "Give your NEQ or your SIRET.",
        "error_neq_invalid": "A NEQ has exactly 10 digits.",
        "error_siret_length": "A SIRET has exactly 14 digits.",
        "error_siret_key": "This SIRET is not valid: its check key does not match.",
        "error_email_invalid": "This email address is not valid.",
        "error_phone_invalid": "This phone number is not valid.",
        "error_phone_not_mobile": "This is a landline: it cannot receive text messages.",
        "error_phone_for_sms": "Give a mobile number to receive text messages.",
        "error_consent_required": "Tick this box: without it we cannot send you anything.",
        "error_keywords_invalid": "From 1 to 20 keywords, 2 to 80 characters each.",
        "answer_title": "Is this call for tenders of interest to you?",
        "answer_intro": (
            "Your answer helps the buyer know whether the call reached the social economy."
        ),
        "tender": "Call for tenders",
        "buyer": "Buyer",
        "documents": "See the documents",
        "answer": "Your answer",
        "interested": "We are interested",
        "declined": "Not interested",
        "reason": "Why?",
        "reason_too_big": "Too big for us",
        "reason_too_far": "Too far",
        "reason_not_our_trade": "Not our trade",
        "reason_deadline_too_short": "Deadline too short",
        "reason_other": "Another reason",
        "answer_button": "Send my answer",
        "current_answer": "Answer on record: {answer}.",
        "answered_title": "Thank you for your answer",
        "answered_body": "We recorded: {answer}. You can change it at any time with the same link.",
        "error_answer": "Choose an answer, and a reason if the call is of no interest to you.",
        "not_found_title": "Link not found",
        "not_found_body": "This link is not valid or has expired.",
    },
}
