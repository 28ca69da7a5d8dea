"""The access log's chain becomes keyed (R27), and PostgreSQL refuses TRUNCATE of it.

Events written before this migration were chained by plain sha256, which anyone who can write
the table can recompute. Rather than let verification accept an unkeyed prefix (which a forger
could then extend to the whole log), this migration first checks the unkeyed chain as it
stands, refuses to go on if it is already broken, and then re-chains every event under the
newest HARBOR_ACCESS_LOG_KEYS key. From here on an unkeyed event is a broken link. The hash
functions are frozen here, as they were and as they are on the day of this migration.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.db import migrations, models

GENESIS_HASH = "0" * 64
BATCH = 2000

# Statement-level: the row trigger of 0002 never sees a TRUNCATE. It refuses the owner too;
# only disabling the trigger (the owner or a superuser, which the application role is not)
# gets past it, and the checkpoints catch what that removes.
NO_TRUNCATE_SQL = """
CREATE TRIGGER consent_accessevent_no_truncate
    BEFORE TRUNCATE ON consent_accessevent
    FOR EACH STATEMENT EXECUTE FUNCTION consent_accessevent_refuse_change();
"""
DROP_NO_TRUNCATE_SQL = "DROP TRIGGER IF EXISTS consent_accessevent_no_truncate ON consent_accessevent;"


def _canonical(row, *, with_key):
    fields = {
        "sequence": row.sequence,
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user": row.user_id,
        "organization": row.organization_id,
        "role": row.role,
        "case": row.case_id,
        "categories": list(row.categories),
        "action": row.action,
        "basis": row.basis,
        "consent": row.consent_id,
        "purpose": row.purpose,
        "outcome": row.outcome,
        "request_id": row.request_id,
    }
    if with_key:
        fields["key"] = row.key_id
    return json.dumps(fields, sort_keys=True, separators=(",", ":"))


def _unkeyed_hash(row):
    return hashlib.sha256((row.prev_hash + _canonical(row, with_key=False)).encode()).hexdigest()


def _keyed_hash(row, secret):
    message = (row.prev_hash + _canonical(row, with_key=True)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _toggle_row_trigger(schema_editor, enabled):
    if schema_editor.connection.vendor == "postgresql":
        verb = "ENABLE" if enabled else "DISABLE"
        schema_editor.execute(
            f"ALTER TABLE consent_accessevent {verb} TRIGGER consent_accessevent_append_only"
        )


def _rechain(apps, schema_editor, *, check, make_hash, key_id):
    AccessEvent = apps.get_model("consent", "AccessEvent")
    expected, old_prev, new_prev = 1, GENESIS_HASH, GENESIS_HASH
    batch = []
    _toggle_row_trigger(schema_editor, enabled=False)
    for row in AccessEvent.objects.order_by("sequence").iterator(chunk_size=BATCH):
        if row.sequence != expected or row.prev_hash != old_prev or check(row) != row.hash:
            raise RuntimeError(
                f"The access log is already broken at event {expected}: it is not re-chained. "
                "Investigate (and restore it from a backup) before migrating."
            )
        expected, old_prev = expected + 1, row.hash
        row.prev_hash, row.key_id = new_prev, key_id
        row.hash = new_prev = make_hash(row)
        batch.append(row)
        if len(batch) == BATCH:
            AccessEvent.objects.bulk_update(batch, ["prev_hash", "key_id", "hash"])
            batch = []
    AccessEvent.objects.bulk_update(batch, ["prev_hash", "key_id", "hash"])
    _toggle_row_trigger(schema_editor, enabled=True)


def rechain_under_the_newest_key(apps, schema_editor):
    from consent.access_log_keys import ChainKey, configured_secrets

    secret = configured_secrets()[0]
    _rechain(
        apps,
        schema_editor,
        check=_unkeyed_hash,
        make_hash=lambda row: _keyed_hash(row, secret),
        key_id=ChainKey.from_secret(secret).key_id,
    )


def rechain_unkeyed(apps, schema_editor):
    from consent.access_log_keys import ChainKey, configured_secrets

    secrets = {ChainKey.from_secret(s).key_id: s for s in configured_secrets()}
    _rechain(
        apps,
        schema_editor,
        check=lambda row: _keyed_hash(row, secrets.get(row.key_id, "")),
        make_hash=_unkeyed_hash,
        key_id="",
    )


def add_no_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_TRUNCATE_SQL)


def drop_no_truncate_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_NO_TRUNCATE_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_access_log"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessevent",
            name="key_id",
            field=models.CharField(default="", max_length=16),
            preserve_default=False,
        ),
        migrations.RunPython(rechain_under_the_newest_key, rechain_unkeyed),
        migrations.RunPython(add_no_truncate_trigger, drop_no_truncate_trigger),
    ]
