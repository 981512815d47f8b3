"""Celery beat started twice by mistake (two hosts each running one) sends nothing twice: every
scheduled job is idempotent. Two real beats and two real workers on Redis, against PostgreSQL,
with the reminder and outbox jobs due every second (tests/integration/beat_every_second.py)."""

import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from collaboratives.models import ReminderLog
from core.models import OutboundEmail
from tests.factories import ConveningFactory
from tests.integration.conftest import ROOT, Worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

INVITED = 5  # the world's enrolled teams' active members and their coaches


class Beat:
    def __init__(self, env, name):
        self.dir = Path(tempfile.mkdtemp(prefix=f"ncsup-beat-{name}-"))
        self.log = self.dir / "beat.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ncsup", "beat", "--loglevel=INFO",
             "-s", str(self.dir / "schedule")],
            cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "tests.integration.beat_every_second"},
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT)

    def sent(self, entry: str) -> int:
        """How many times this beat has sent the schedule's ``entry``."""
        return self.log.read_text().count(f"Sending due task {entry} ") \
            if self.log.exists() else 0

    def stop(self):
        self.process.terminate()
        self.process.wait(15)


def test_two_beats_and_two_workers_send_each_reminder_once(celery_worker_process, smtp_sink,
                                                            world):
    convening = ConveningFactory(collaborative=world.collaborative, title="Spring convening",
                                 starts_at=timezone.now().replace(microsecond=0)
                                 + timedelta(days=10))
    second_worker = Worker(celery_worker_process.queue, celery_worker_process.env).start()
    beats = [Beat(celery_worker_process.env, "a"), Beat(celery_worker_process.env, "b")]
    try:
        wait_for(lambda: len(smtp_sink.messages) >= INVITED, timeout=90,
                 message="the reminders to arrive")
        # Let both beats go on sending both jobs for a while: nothing more may arrive.
        wait_for(lambda: all(beat.sent("collaboratives-convening-reminders") >= 5
                             for beat in beats), timeout=60,
                 message="each beat to send the reminder job five times")
        time.sleep(3)
    finally:
        for beat in beats:
            beat.stop()
        second_worker.stop()
    assert all(beat.sent("collaboratives-convening-reminders") >= 5 for beat in beats)
    assert len(smtp_sink.messages) == INVITED
    assert len({message["To"] for message in smtp_sink.messages}) == INVITED
    assert OutboundEmail.objects.filter(key__startswith="convening-reminder:").count() == INVITED
    logs = ReminderLog.objects.filter(convening=convening)
    assert logs.count() == INVITED  # one per person
    assert len(set(logs.values_list("kind", flat=True))) == 1
