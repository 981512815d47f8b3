"""The collaboratives' background work, where Celery's autodiscovery looks for it
(``<app>.tasks``).

Each domain keeps its tasks in its own sub-package; importing them here registers them. Every
task keeps the name it was registered under before the split (``collaboratives.tasks.<name>``),
so the beat schedule in ``ncsup/settings.py`` and any message already queued still find it."""

from collaboratives.changepackages.tasks import (
    change_package_pdf_render,
    change_package_pdfs_render_pending,
)
from collaboratives.convenings.tasks import (
    convening_cancellation_notify,
    convening_move_notify,
    convening_reminders_send,
)
from collaboratives.cycles.tasks import action_period_nudges_send

__all__ = [
    "action_period_nudges_send", "change_package_pdf_render", "change_package_pdfs_render_pending",
    "convening_cancellation_notify", "convening_move_notify", "convening_reminders_send",
]
