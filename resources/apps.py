from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resource library"

    def ready(self):
        from resources import panels  # noqa: F401  (registers "New this month" on My portal)
