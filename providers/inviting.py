"""Inviting staff (issue 17): send, resend, cancel and accept invitations.

The e-mail says only that an account at Harbor is waiting, with a one-time link that expires
(``HARBOR["INVITATION_DAYS"]``, 7 by default): no case data and no young person's name. A
person who already has a Harbor login is given the role at once and told by e-mail.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from providers.invitations import Invitation
from providers.models import Membership, Organization
from providers.services import (
    add_membership,
    check_role,
    refuse_operator_account,
    refuse_self_grant,
)


@dataclass(frozen=True)
class Invited:
    """What inviting did: a link sent (``invitation``), or a role given at once (``membership``)."""

    invitation: Invitation | None = None
    membership: Membership | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link(token: str) -> str:
    path = reverse("frontend:invitation-accept", kwargs={"token": token})
    return settings.HARBOR["SITE_URL"].rstrip("/") + path


def _in_both_languages(build: Callable[[], str]) -> str:
    parts = []
    for language in ("en", "es"):
        with translation.override(language):
            parts.append(build())
    return "\n\n---\n\n".join(parts)


def _send_link(invitation: Invitation, token: str) -> None:
    until = timezone.localtime(invitation.expires_at).date().isoformat()

    def body() -> str:
        return _(
            "An account at Harbor is waiting for you.\n\n"
            "Choose your password here (the link works once, until %(until)s):\n%(link)s\n\n"
            "If you did not expect this, you can ignore this e-mail."
        ) % {"until": until, "link": _link(token)}

    subject = _in_both_languages(lambda: _("Your Harbor account")).replace("\n\n---\n\n", " / ")
    message = _in_both_languages(body)
    email = invitation.email
    transaction.on_commit(lambda: send_mail(subject, message, None, [email]))


def _tell_of_new_role(email: str) -> None:
    subject = _in_both_languages(lambda: _("A new role in Harbor")).replace("\n\n---\n\n", " / ")
    message = _in_both_languages(
        lambda: (
            _("You have a new role in Harbor. Sign in to see it:\n%(link)s")
            % {"link": settings.HARBOR["SITE_URL"].rstrip("/") + reverse("frontend:sign-in")}
        )
    )
    transaction.on_commit(lambda: send_mail(subject, message, None, [email]))


def _new_invitation(
    *, organization: Organization, email: str, full_name: str, role: str, actor: User | None
) -> Invitation:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        full_name=full_name,
        role=role,
        invited_by=actor,
        token_hash=_digest(token),
        expires_at=timezone.now() + timedelta(days=settings.HARBOR["INVITATION_DAYS"]),
    )
    _send_link(invitation, token)
    return invitation


def _end_open(organization_id: int, email: str) -> None:
    Invitation.objects.select_for_update().filter(
        organization_id=organization_id,
        email=email,
        accepted_at__isnull=True,
        ended_at__isnull=True,
    ).update(ended_at=timezone.now())


@transaction.atomic
def invite_member(
    *, organization: Organization, email: str, full_name: str, role: str, actor: User | None
) -> Invited:
    """Invite a person to a role. ``actor`` None is the site operator. Someone who already
    signs in to Harbor gets the role at once (and an e-mail saying so)."""
    check_role(role)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from exc
    if not organization.is_active:
        raise ValidationError(
            {"organization": [_("This organization is deactivated; reactivate it first.")]}
        )
    user = User.objects.with_email(email).first()
    refuse_operator_account(user)
    if user is not None:
        refuse_self_grant(actor=actor, member_id=user.pk, role=role)
    if user is not None and user.has_usable_password():
        membership = add_membership(
            organization=organization, email=email, role=role, actor=actor, full_name=full_name
        )
        _tell_of_new_role(email)
        return Invited(membership=membership)
    _end_open(organization.pk, email)
    return Invited(
        invitation=_new_invitation(
            organization=organization, email=email, full_name=full_name, role=role, actor=actor
        )
    )


@transaction.atomic
def resend_invitation(*, invitation: Invitation) -> Invitation:
    """A new link, which ends the old one."""
    _end_open(invitation.organization_id, invitation.email)
    return _new_invitation(
        organization=invitation.organization,
        email=invitation.email,
        full_name=invitation.full_name,
        role=invitation.role,
        actor=invitation.invited_by,
    )


@transaction.atomic
def cancel_invitation(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )


def pending_invitation(token: str) -> Invitation | None:
    """The pending invitation behind a link, or None (unknown, used, ended or expired)."""
    return (
        Invitation.objects.pending()
        .select_related("organization")
        .filter(token_hash=_digest(token))
        .first()
    )


@transaction.atomic
def accept_invitation(*, token: str, password: str) -> User:
    """The invited person's password, then their role (given by whoever invited them)."""
    invitation = (
        Invitation.objects.pending().select_for_update().filter(token_hash=_digest(token)).first()
    )
    if invitation is None:
        raise ValidationError(
            {"token": [_("This link no longer works. Ask for a new invitation.")]}
        )
    user = User.objects.with_email(invitation.email).first() or User(
        email=invitation.email, full_name=invitation.full_name
    )
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save()
    invitation.membership = add_membership(
        organization=invitation.organization,
        email=invitation.email,
        role=invitation.role,
        actor=invitation.invited_by,
        full_name=invitation.full_name,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["membership", "accepted_at"])
    return user


def resend_for_password_reset(email: str) -> None:
    """ "Forgot your password?" for an account that never set one: a pending invitation is
    sent again; otherwise nothing happens (the page says the same either way)."""
    user = User.objects.with_email(email).first()
    if user is not None and user.has_usable_password():
        return
    latest = Invitation.objects.pending().filter(email=email.strip().lower()).order_by("-pk")
    for invitation in {i.organization_id: i for i in latest}.values():
        resend_invitation(invitation=invitation)
