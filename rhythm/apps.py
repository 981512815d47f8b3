from django.apps import AppConfig


class RhythmConfig(AppConfig):
    name = "rhythm"
    verbose_name = "Monthly rhythm: reports, scores, attendance"

    def ready(self):
        # The My portal panel registers itself; the tasks are registered for the beat schedule.
        from rhythm import panels, tasks  # noqa: F401
