"""Settings for the two-beats test: the test settings, with the reminder and outbox jobs due
every second instead of once a day, so two beats run them many times in a few seconds."""

from ncsup.settings_test import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "collaboratives-convening-reminders": {
        "task": "collaboratives.tasks.convening_reminders_send", "schedule": 1.0},
    "email-outbox-retry": {"task": "core.tasks.email_outbox_flush", "schedule": 1.0},
}
