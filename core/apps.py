from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Portal core"

    def ready(self):
        # The outbox's send task registers itself with core.emails (email_sender_register);
        # every database connection counts writes for the fragment cache (core/fragments.py).
        from core import fragments, tasks  # noqa: F401

        fragments.install()
