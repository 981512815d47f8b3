from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Portal core"

    def ready(self):
        # The outbox's send task registers itself with core.emails (email_sender_register).
        from core import tasks  # noqa: F401
