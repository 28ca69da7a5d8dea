"""Every page in English and Spanish: the Spanish catalogue is complete, compiled, and used."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from providers.models import ServiceType
from providers.seeded_labels import translated_label

LOCALE = Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES"
TEMPLATES = Path(settings.BASE_DIR) / "frontend" / "templates"
# {% translate "..." %} with a literal string (blocktranslate is checked through the catalogue).
TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")


def catalogue() -> polib.POFile:
    return polib.pofile(str(LOCALE / "django.po"))


def test_every_message_of_the_spanish_catalogue_is_translated() -> None:
    po = catalogue()
    missing = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not missing, f"untranslated: {missing[:20]} ({len(missing)} in all)"
    assert not fuzzy, f"fuzzy (check, then remove the flag): {fuzzy[:20]}"


def test_the_compiled_catalogue_matches_the_source() -> None:
    compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(str(LOCALE / "django.mo"))}
    source = {
        entry.msgid: entry.msgstr
        for entry in catalogue().translated_entries()
        if not entry.msgid_plural
    }
    assert {k: compiled.get(k) for k in source} == source, "run `make messages`"


def test_every_translate_tag_in_the_templates_is_in_the_catalogue() -> None:
    known = {entry.msgid for entry in catalogue()}
    missing = sorted(
        {
            match.group(2)
            for template in TEMPLATES.rglob("*.html")
            for match in TRANSLATE_TAG.finditer(template.read_text())
        }
        - known
    )
    assert not missing, f"run `make messages` and translate: {missing[:20]}"


@pytest.mark.django_db
def test_every_label_stored_as_data_has_a_spanish_translation() -> None:
    # The rows the migrations seeded, read from the database, not from a list kept beside them.
    compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(str(LOCALE / "django.mo"))}
    labels = {
        label for row in ServiceType.objects.all() for label in (row.name, row.description) if label
    }
    assert len(labels) >= 32, "the seeded service taxonomy is missing"
    missing = sorted(label for label in labels if not compiled.get(label))
    assert not missing, f"labels stored as data without a Spanish translation: {missing}"
    shown_in_english = sorted(label for label in labels if _in_spanish(label) != compiled[label])
    assert not shown_in_english, f"not translated on display: {shown_in_english}"


def _in_spanish(label: str) -> str:
    with translation.override("es"):
        return translated_label(label)


def test_a_label_an_organization_typed_is_shown_as_typed() -> None:
    # "Change" is a message of the catalogue, but not a label Harbor seeded.
    assert _in_spanish("Change") == "Change"
