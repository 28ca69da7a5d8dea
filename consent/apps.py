from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "consent"
    verbose_name = "Consent"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from consent import receivers  # noqa: F401  (connects the permission sync)
        from consent.permissions import forget_permission_ids

        # Migrating or flushing (transactional tests) recreates permissions under new ids.
        post_migrate.connect(forget_permission_ids, dispatch_uid="consent-forget-permission-ids")
