"""A date or time that closes a sentence reads "3:30 PM." and never "3:30 p.m.."."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import formats, timezone, translation

MOMENTS = [
    datetime(2026, 12, 7, 15, 30, tzinfo=ZoneInfo("UTC")),
    datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo("UTC")),
    datetime(2026, 12, 7, 0, 0, tzinfo=ZoneInfo("UTC")),
    datetime(2026, 12, 7, 9, 5, tzinfo=ZoneInfo("UTC")),
]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", ["DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT"])
@pytest.mark.parametrize("moment", MOMENTS)
def test_no_time_format_ends_with_a_period(language: str, name: str, moment: datetime) -> None:
    with translation.override(language):
        assert not formats.date_format(moment, name).endswith(".")


def test_the_portal_code_slip_sentence_ends_with_one_period() -> None:
    template = Template(
        '{% load i18n %}{% blocktranslate with until=at|date:"DATETIME_FORMAT" %}'
        "The code works once, until {{ until }}.{% endblocktranslate %}"
    )
    with translation.override("en"), timezone.override("UTC"):
        sentence = template.render(Context({"at": MOMENTS[0]}))
    assert sentence.endswith("3:30 PM.")
    assert ".." not in sentence
