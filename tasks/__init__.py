"""Follow-ups, reminder rules, notifications and the Celery tasks that drive them."""
