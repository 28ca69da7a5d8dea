"""The labels Harbor stores as data rows (the seeded service taxonomy), marked for translation.

The rows come from a migration in English; `makemessages` finds the strings here, and pages
translate a stored label at display time. A label an organization typed itself is not in this
list and is shown as typed, even when it happens to match another message of the catalogue.
"""

from django.utils.translation import gettext, gettext_noop

# providers/migrations/0002_seed_service_taxonomy.py: name, description.
SERVICE_TYPE_LABELS = (
    (gettext_noop("Crisis response"), gettext_noop("24-hour crisis line and emergency response.")),
    (gettext_noop("Emergency shelter"), gettext_noop("Safe place to stay tonight.")),
    (
        gettext_noop("Transitional housing"),
        gettext_noop("Housing for months while stabilising."),
    ),
    (gettext_noop("Case management"), gettext_noop("Advocacy and coordination of services.")),
    (
        gettext_noop("Survivor peer support"),
        gettext_noop("Support from people with lived experience."),
    ),
    (
        gettext_noop("Mental health counselling"),
        gettext_noop("Trauma-informed therapy and counselling."),
    ),
    (gettext_noop("Substance use treatment"), gettext_noop("Recovery support and treatment.")),
    (gettext_noop("Medical care"), gettext_noop("Primary, sexual and reproductive health care.")),
    (
        gettext_noop("Legal advocacy"),
        gettext_noop("Victim rights, protective orders, court support."),
    ),
    (
        gettext_noop("Immigration legal services"),
        gettext_noop("T visas and other immigration relief."),
    ),
    (gettext_noop("Education support"), gettext_noop("School enrolment, tutoring, GED.")),
    (gettext_noop("Employment and job training"), gettext_noop("Job readiness and placement.")),
    (gettext_noop("Mentoring"), gettext_noop("A consistent adult mentor.")),
    (gettext_noop("Family support"), gettext_noop("Support and counselling for the family.")),
    (
        gettext_noop("Basic needs"),
        gettext_noop("Food, clothing, phone, identification documents."),
    ),
    (gettext_noop("Transportation"), gettext_noop("Rides and transit passes to appointments.")),
)

SEEDED_LABELS = frozenset(label for pair in SERVICE_TYPE_LABELS for label in pair)


def translated_label(stored: str) -> str:
    """A stored label in the reader's language if Harbor seeded it; otherwise as typed."""
    return gettext(stored) if stored in SEEDED_LABELS else stored
