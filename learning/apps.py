from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning and onboarding"

    def ready(self):
        # Enrol people who join a team (members.signals.team_member_joined), put the course on
        # "My portal" (members.hooks.dashboard_panel), and register the tasks in every process.
        from learning import panels, receivers, tasks  # noqa: F401
