"""Plain-language words for a consent, in English and Spanish, for the preview before signing.

Kept as a small catalogue rather than gettext files so the wording the young person reads is
reviewed in one place, side by side in both languages.
"""

from dataclasses import dataclass

from cases.time_zones import local_day, zone_of
from consent.models import Consent

LANGUAGES = ("en", "es")

CATEGORY_WORDS = {
    "en": {
        "identity": "your name or alias, date of birth and background",
        "contact": "how to reach you: phone, e-mail, address and your safe-contact rules",
        "plan": "your approved service plan: goals and services",
        "notes": "case notes your advocate did not mark staff-only",
        "documents": "documents in your file",
        "family": "your family members and how they are related to you",
    },
    "es": {
        "identity": "tu nombre o alias, fecha de nacimiento y datos personales",
        "contact": "cómo contactarte: teléfono, correo, dirección y tus reglas de contacto seguro",
        "plan": "tu plan de servicios aprobado: metas y servicios",
        "notes": "notas del caso que tu intercesora no marcó como solo para el personal",
        "documents": "documentos de tu expediente",
        "family": "tus familiares y su relación contigo",
    },
}

PURPOSE_WORDS = {
    "en": {
        "referral": "to refer you to a service",
        "care_coordination": "to coordinate your care with your advocate",
        "benefits_eligibility": "to check what benefits you can get",
        "service_transfer": (
            "to take over your services as your lead organization, if it accepts (until then "
            "it sees only your age range, what you need and your area, not who you are)"
        ),
        "other": "for this purpose: {text}",
    },
    "es": {
        "referral": "para referirte a un servicio",
        "care_coordination": "para coordinar tu atención con tu intercesora",
        "benefits_eligibility": "para revisar qué beneficios puedes recibir",
        "service_transfer": (
            "para hacerse cargo de tus servicios como tu organización principal, si acepta "
            "(hasta entonces solo ve tu rango de edad, lo que necesitas y tu zona, no quién eres)"
        ),
        "other": "para este propósito: {text}",
    },
}

# How to take the consent back: the end of the summary, and its own section on the printed form.
WITHDRAWAL = {
    "en": (
        "You can take this back at any time, in the portal or by telling your advocate. "
        "Saying no will not change the help you get."
    ),
    "es": (
        "Puedes retirar este permiso cuando quieras, en el portal o diciéndoselo a tu "
        "intercesora. Decir que no no cambiará la ayuda que recibes."
    ),
}

SUMMARY = {
    "en": (
        "If you sign, {recipient} can see {shared} {purpose}, from {starts} until {expires}. "
        "They cannot see anything else. They may not pass it on to anyone. "
    )
    + WITHDRAWAL["en"],
    "es": (
        "Si firmas, {recipient} podrá ver {shared} {purpose}, desde el {starts} hasta el "
        "{expires}. No podrá ver nada más. No puede compartirlo con nadie. "
    )
    + WITHDRAWAL["es"],
}

NOTICE = {
    "en": (
        "The organization that receives this information may not share it, forward it, refer "
        "you onward with it or export it without a new written consent from you."
    ),
    "es": (
        "La organización que recibe esta información no puede compartirla, reenviarla, usarla "
        "para referirte a otro lugar ni exportarla sin un nuevo consentimiento tuyo por escrito."
    ),
}


@dataclass(frozen=True)
class PlainPreview:
    language: str
    summary: str
    shared: list[str]
    not_shared: list[str]
    redisclosure_notice: str
    withdrawal: str


def _join(items: list[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    conjunction = " y " if language == "es" else " and "
    return "; ".join(items[:-1]) + conjunction + items[-1]


def plain_preview(consent: Consent, language: str = "en") -> PlainPreview:
    """The consent in plain words: who sees what, why, until when, and how to take it back.

    Dates are the days in the young person's time zone, who reads and signs this.
    """
    language = language if language in LANGUAGES else "en"
    zone = zone_of(consent.case.person)
    words = CATEGORY_WORDS[language]
    shared = [words[c] for c in words if c in consent.categories]
    not_shared = [words[c] for c in words if c not in consent.categories]
    purpose = PURPOSE_WORDS[language][consent.purpose].format(text=consent.purpose_text)
    summary = SUMMARY[language].format(
        recipient=consent.recipient.name,
        shared=_join(shared, language),
        purpose=purpose,
        starts=local_day(consent.starts_at, zone).isoformat(),
        expires=local_day(consent.expires_at, zone).isoformat(),
    )
    return PlainPreview(
        language, summary, shared, not_shared, NOTICE[language], WITHDRAWAL[language]
    )
