"""A neutral favicon: linked from every page, served from Harbor itself, revealing nothing."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client

pytestmark = pytest.mark.django_db

ICON = "frontend/favicon.svg"


def test_every_page_links_the_favicon_and_the_csp_allows_it() -> None:
    response = Client().get("/sign-in/")
    assert f'<link rel="icon" href="{static(ICON)}"' in response.content.decode()
    img_src = next(
        part for part in response["Content-Security-Policy"].split(";") if "img-src" in part
    )
    assert "'self'" in img_src


def test_favicon_ico_leads_to_the_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static(ICON)


def test_the_icon_is_a_neutral_shape_without_words() -> None:
    icon = Path(finders.find(ICON)).read_text()
    assert "<text" not in icon and "harbor" not in icon.lower()
