"""The custom user: one account per person, signing in with an e-mail address."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def create_portal_user(self, *, sign_in_name: str, password: str) -> "User":
        """A young person's portal login: a sign-in name of their choosing, no e-mail needed."""
        user = self.model(email=None, sign_in_name=sign_in_name.strip())
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> "User":
        """Sign in with an e-mail address or, for a portal login, the sign-in name (which
        never holds an "@"), in any letter case."""
        value = (username or "").strip()
        if "@" in value:
            return self.with_email(value).get()
        return self.with_sign_in_name(value).get()

    def with_sign_in_name(self, name: str) -> "models.QuerySet[User]":
        return self.alias(name_lower=Lower("sign_in_name")).filter(name_lower=name.strip().lower())

    def with_email(self, email: str) -> "models.QuerySet[User]":
        """The account with this address in any letter case, through the unique index on
        ``LOWER(email)`` (``email__iexact`` compares ``UPPER`` and reads every row)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=email.strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: staff of a member organization, or a young person using the portal.

    Being a superuser or Django staff grants no case data: only the access policy does.
    """

    # Staff sign in with an e-mail address; a young person may have none (R42).
    email = models.EmailField("e-mail address", max_length=254, unique=True, null=True, blank=True)
    sign_in_name = models.CharField(
        max_length=40,
        null=True,
        blank=True,
        help_text="A portal login's own sign-in name, chosen by the young person (R42).",
    )
    full_name = models.CharField(max_length=150, blank=True)
    preferred_language = models.CharField(
        max_length=8, choices=[("en", "English"), ("es", "Español")], default="en"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False,
        help_text="May sign in to the Django admin (accounts and organizations only).",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # "Sign out everywhere" bumps it: every session signed in before no longer matches.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            models.UniqueConstraint(Lower("sign_in_name"), name="user_sign_in_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(sign_in_name__isnull=False),
                name="user_has_an_email_or_sign_in_name",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or f"user {self.pk}"

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash covers the password only; the generation lets a person end every
        # session without changing it.
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def clean(self) -> None:
        super().clean()
        if self.email:
            self.email = self.email.strip().lower()
