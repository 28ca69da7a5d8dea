# R24's page event: one access event naming every case a list showed (``case_ids``). On
# PostgreSQL a partial GIN index over the page events alone answers "which events name this
# case" by containment; single events keep their (case, id) index.

import consent.models
from django.db import migrations

PAGE_CASES_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS access_event_page_cases ON consent_accessevent "
    "USING gin (case_ids jsonb_path_ops) WHERE case_ids <> '[]'::jsonb"
)
DROP_PAGE_CASES_INDEX_SQL = "DROP INDEX IF EXISTS access_event_page_cases"


def add_page_cases_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PAGE_CASES_INDEX_SQL)


def drop_page_cases_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_PAGE_CASES_INDEX_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0007_access_log_lanes'),
    ]

    operations = [
        migrations.AddField(
            model_name='accessevent',
            name='case_ids',
            field=consent.models.CaseIdList(blank=True, db_default=[], default=list),
        ),
        migrations.RunPython(add_page_cases_index, drop_page_cases_index),
    ]
