"""The columns of the client import's CSV file (cases.services.client_import), and the
template with a made-up example row that the organization admin's page offers."""

import csv
import io

COLUMNS = (
    "alias",
    "chosen_name",
    "legal_name",
    "pronouns",
    "birth_date",
    "birth_year",
    "age_range",
    "gender",
    "race_ethnicity",
    "race_ethnicity_codes",
    "sex",
    "sexual_orientation",
    "tribal_affiliation",
    "area",
    "primary_language",
    "languages",
    "declined_fields",
    "referral_source",
    "opened_on",
    "primary_advocate_email",
    "status",
    "closed_reason",
    "closed_reason_text",
    "closed_on",
)
TEXT_COLUMNS = (
    "alias",
    "chosen_name",
    "legal_name",
    "pronouns",
    "gender",
    "race_ethnicity",
    "sex",
    "sexual_orientation",
    "tribal_affiliation",
    "area",
    "primary_language",
)
TEMPLATE_EXAMPLE = {
    "alias": "Robin",
    "chosen_name": "",
    "legal_name": "",
    "pronouns": "they/them",
    "birth_date": "",
    "birth_year": "",
    "age_range": "15-17",
    "gender": "",
    "race_ethnicity": "",
    "race_ethnicity_codes": "hispanic_latino;white",
    "sex": "",
    "sexual_orientation": "",
    "tribal_affiliation": "",
    "area": "Example County",
    "primary_language": "es",
    "languages": "en;es",
    "declined_fields": "legal_name;gender",
    "referral_source": "school",
    "opened_on": "2024-03-01",
    "primary_advocate_email": "advocate@example.org",
    "status": "active",
    "closed_reason": "",
    "closed_reason_text": "",
    "closed_on": "",
}


def template_csv() -> str:
    """The header row and one made-up example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow([TEMPLATE_EXAMPLE[name] for name in COLUMNS])
    return out.getvalue()
