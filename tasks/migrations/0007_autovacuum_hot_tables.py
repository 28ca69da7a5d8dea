"""Per-table autovacuum settings for the sweep's hot tables (issue 8, the reminder sweep).

The server defaults vacuum a table once a fifth of it is dead (scale factor 0.2): on a
follow-up table of a million rows that is 200,000 closed or escalated rows whose dead index
entries the overdue claim query walks through every minute. Follow-ups and the outbox change
status in bursts (a sweep escalates thousands, delivery flips thousands to sent), so vacuum
and analyze them after 2% plus a thousand rows instead. The outbox is mostly inserts: an
insert-triggered vacuum keeps its visibility map current too. Storage parameters exist only
on PostgreSQL; SQLite has nothing to set.
"""

from django.db import migrations

SETTINGS = {
    "tasks_followup": {
        "autovacuum_vacuum_scale_factor": "0.02",
        "autovacuum_vacuum_threshold": "1000",
        "autovacuum_analyze_scale_factor": "0.02",
        "autovacuum_analyze_threshold": "1000",
    },
    "tasks_notification": {
        "autovacuum_vacuum_scale_factor": "0.02",
        "autovacuum_vacuum_threshold": "1000",
        "autovacuum_vacuum_insert_scale_factor": "0.05",
        "autovacuum_vacuum_insert_threshold": "1000",
        "autovacuum_analyze_scale_factor": "0.02",
        "autovacuum_analyze_threshold": "1000",
    },
}


def set_autovacuum(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table, options in SETTINGS.items():
        assignments = ", ".join(f"{name} = {value}" for name, value in options.items())
        schema_editor.execute(f"ALTER TABLE {quote(table)} SET ({assignments})")


def reset_autovacuum(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table, options in SETTINGS.items():
        schema_editor.execute(f"ALTER TABLE {quote(table)} RESET ({', '.join(options)})")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0006_retention")]

    operations = [migrations.RunPython(set_autovacuum, reset_autovacuum, elidable=False)]
