"""A real Celery worker on Redis, against the test database on PostgreSQL."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.collaboratives.conftest import world  # noqa: F401 (a fixture the tests here use)
from tests.integration.s3 import local_s3  # noqa: F401 (the local S3 server, a fixture)

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.integration)


class Worker:
    def __init__(self, queue, env):
        self.queue, self.env, self.process = queue, env, None
        self.log = Path(tempfile.gettempdir()) / f"ncsup-worker-{queue}.log"

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ncsup", "worker", "-P", "solo", "-Q",
             self.queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )
        return self

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_worker_process(postgres, redis_url, settings, smtp_sink):
    """Start `celery worker` in a subprocess on a queue of its own; route tasks to it.

    The worker reads the test database (tests using it need ``transaction=True``) and sends
    mail to the test's SMTP sink.
    """
    from django.db import connection

    from ncsup.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ncsup.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:"
                        f"{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_sink.port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Tasks the worker itself enqueues (the outbox job's sends) stay on this test's queue.
        "CELERY_QUEUE": queue,
    }
    saved = (app.conf.task_always_eager, app.conf.task_default_queue, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    app.conf.broker_url = redis_url
    worker = Worker(queue, env).start()
    yield worker
    worker.stop()
    app.conf.task_always_eager, app.conf.task_default_queue, app.conf.broker_url = saved


def wait_for(predicate, timeout=30.0, interval=0.2, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}")
