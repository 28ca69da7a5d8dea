from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Follow-ups and reminders"

    def ready(self) -> None:
        from tasks import receivers  # noqa: F401  (turns consent events into follow-ups)
