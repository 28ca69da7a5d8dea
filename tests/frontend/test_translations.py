"""Every page in English and Spanish: the Spanish catalogue is complete, compiled, and used."""

import re
from pathlib import Path

import polib
from django.conf import settings

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
