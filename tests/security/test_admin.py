"""The Django admin: accounts, organizations and settings only, never case data; reached only
through Harbor's sign-in with the second factor."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token, TokenProxy

from tests.conftest import World
from tests.two_factor import sign_in_with_password_only

pytestmark = pytest.mark.django_db

# Apps whose models hold case data or its traces: none of their models may be in the admin.
CASE_DATA_APPS = {"cases", "consent", "guardian", "simple_history"}
CASE_DATA_MODELS = {("tasks", "followup"), ("tasks", "portalnotice"), ("tasks", "notification")}
ALLOWED = {
    ("accounts", "user"),
    ("auth", "group"),
    ("otp_totp", "totpdevice"),
    ("otp_static", "staticdevice"),
    ("axes", "accessattempt"),
    ("axes", "accesslog"),
    ("axes", "accessfailurelog"),
    ("providers", "organization"),
    ("providers", "membership"),
    ("providers", "servicetype"),
    ("tasks", "continuityrules"),
}


def registered() -> set[tuple[str, str]]:
    return {(model._meta.app_label, model._meta.model_name) for model in admin.site._registry}


def test_the_admin_lists_accounts_organizations_and_settings_only() -> None:
    assert registered() <= ALLOWED
    assert not any(label in CASE_DATA_APPS for label, _ in registered())
    assert not registered() & CASE_DATA_MODELS


def test_no_model_of_a_case_data_app_is_registered() -> None:
    for label in ("cases", "consent"):
        for model in apps.get_app_config(label).get_models():
            assert not admin.site.is_registered(model), model


def test_credentials_are_never_shown(world: World) -> None:
    client = Client()
    client.force_login(world.superuser)
    token = Token.objects.create(user=world.advocate)
    assert not admin.site.is_registered(TokenProxy)
    device = TOTPDevice.objects.get(user=world.superuser)
    for url in (
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert device.key.encode() not in page.content
        assert token.key.encode() not in page.content


def test_a_superuser_with_the_second_factor_gets_in(world: World) -> None:
    client = Client()
    client.force_login(world.superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    organizations = client.get(reverse("admin:providers_organization_changelist"))
    assert organizations.status_code == 200
    assert world.lead.name.encode() in organizations.content


def test_a_superuser_without_the_second_factor_is_kept_out(world: World) -> None:
    client = Client()
    sign_in_with_password_only(client, world.superuser)
    response = client.get(reverse("admin:index"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        follow = client.get(response["Location"])
        assert follow.status_code in (302, 403)
        assert not follow.get("Location", "").startswith("/admin/")


def test_the_admin_login_form_is_harbors_sign_in(world: World) -> None:
    response = Client().get(reverse("admin:index"))
    login = Client().get(response["Location"])
    assert login.status_code == 302
    assert login["Location"].startswith("/sign-in/?next=")
    assert (
        Client()
        .post(reverse("admin:login"), {"username": "x", "password": "y"})["Location"]
        .startswith("/sign-in/")
    )


def test_staff_without_admin_rights_are_refused(world: World) -> None:
    client = Client()
    client.force_login(world.advocate)
    response = client.get(reverse("admin:index"))
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert client.get(response["Location"]).status_code == 403
