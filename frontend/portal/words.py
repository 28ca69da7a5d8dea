"""Words the portal shows: the active language, plain labels of codes."""

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from consent.preview import LANGUAGES
from tasks.models import PortalNotice


def active_language() -> str:
    language = (translation.get_language() or "en")[:2]
    return language if language in LANGUAGES else "en"


def choice_label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def notice_text(kind: str) -> str:
    return {
        PortalNotice.Kind.CONSENT_RESIGN: _(
            "A permission to share your information was signed for you by someone else. "
            "It ends unless you sign it yourself. Your advocate will ask you."
        ),
        PortalNotice.Kind.CONSENT_RENEWAL: _(
            "A permission to share your information ends soon. "
            "Your advocate may ask you to renew it."
        ),
        PortalNotice.Kind.COMPELLED_DISCLOSURE: _(
            "The law required us to share some of your information. Your advocate will explain."
        ),
        PortalNotice.Kind.CONSENT_ENDED: _(
            "Your case was closed, and a permission to share your information ended with it. "
            "Nobody else sees your information through it now."
        ),
    }.get(kind, _("You have a new notice. Your advocate can tell you more."))


def action_words(action: str) -> str:
    return {
        "view": _("looked at"),
        "list": _("looked at"),
        "edit": _("changed"),
        "create": _("added to"),
        "export": _("exported"),
        "view_history": _("looked at the history of"),
        "approve_plan": _("answered a plan in"),
        "give_consent": _("answered a permission in"),
        "manage_team": _("changed the care team of"),
        "close": _("closed"),
        "transfer": _("moved"),
        "audit_access": _("checked who looked at your file"),
        "accept_transfer": _("took over your case"),
        "manage_portal": _("gave or ended your portal access"),
    }.get(action.split(":")[0], _("used"))


# --- My plan ------------------------------------------------------------------------------
