from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # Register the tasks named in settings (MEMBERSHIP_APPROVED_TASKS, the beat schedule)
        # in every process, not only in workers that autodiscover them.
        from billing import tasks  # noqa: F401
