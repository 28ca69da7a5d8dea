"""The latency benchmark's stock and ceiling caseloads list exactly what Harbor's does, so the
comparison in BENCHMARKS.md is between equal answers (issue 8)."""

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from bench.generate import generate
from bench.shape import PERSONA_EMAILS, SCALES
from bench.stock import mirror_guardian_rows, stock_payload
from consent.policy import viewer_for, visible_cases

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.stock_urls")]


@pytest.fixture(scope="module")
def smoke_world(django_db_setup: None, django_db_blocker: object) -> object:
    """The smoke scale with guardian's generic tables mirrored, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        generate(SCALES["smoke"])
        mirror_guardian_rows(now=timezone.now())
        yield
        transaction.set_rollback(True)


def token_client(persona: str) -> tuple[Client, User]:
    user = User.objects.get(email=PERSONA_EMAILS[persona])
    token = Token.objects.create(user=user)
    return Client(headers={"authorization": f"Token {token.key}"}), user


@pytest.mark.parametrize("persona", ["advocate", "small_partner"])
def test_stock_caseload_lists_the_same_cases_as_harbor(smoke_world: object, persona: str) -> None:
    client, user = token_client(persona)
    harbor = client.get("/api/v1/cases/?page_size=200").json()
    stock = client.get("/bench/stock/cases/").json()
    assert harbor["results"], "the persona sees cases at the smoke scale"
    assert stock_payload(stock) == stock_payload(harbor)[:50]
    assert stock["count"] == visible_cases(viewer=viewer_for(user)).count()


@pytest.mark.parametrize("persona", ["advocate", "small_partner"])
def test_ceiling_returns_the_cases_of_harbors_first_page(smoke_world: object, persona: str) -> None:
    client, _ = token_client(persona)
    first_page = stock_payload(client.get("/api/v1/cases/").json())
    ids = ",".join(str(pk) for pk in first_page)
    ceiling = Client().get(f"/bench/ceiling/cases/?ids={ids}").json()
    assert stock_payload(ceiling) == first_page
