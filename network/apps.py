from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Network events and groups"

    def ready(self):
        # The dashboard panel, the calendar feed's source and the tasks, registered in every
        # process (members.hooks, collaboratives.convenings.calendar_sources).
        from network import calendar, panels, tasks  # noqa: F401
