from django.apps import AppConfig


class RenewalsConfig(AppConfig):
    name = "renewals"
    verbose_name = "Renewals"

    def ready(self):
        # Reinstate on payment (billing.signals.invoice_paid), put the renewal banners on
        # "My portal" (members.hooks.dashboard_panel), and register the daily task.
        from renewals import panels, receivers, tasks  # noqa: F401
