from django.apps import AppConfig


class RhythmConfig(AppConfig):
    name = "rhythm"
    verbose_name = "Monthly rhythm: reports, scores, attendance"

    def ready(self):
        from rhythm import panels  # noqa: F401 - registers the My portal panel
