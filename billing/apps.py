from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        # Answer members' signals and questions (members.signals, members.hooks), and register
        # the tasks in every process, not only in workers that autodiscover them.
        from billing import receivers, tasks  # noqa: F401
