"""The benchmark's one-off figures beside the page table, one run each, on the bench database.

1. **Invoice PDFs**: ``PDFS`` issued invoices rendered one after another with the portal's own
   renderer (``billing.pdf.invoice_pdf_render``, WeasyPrint, as the Celery task does), after
   one render that loads the fonts: median and p95.
2. **A measure CSV import**: one file of ``CSV_ROWS`` rows (weekly values of one team, every
   measure of the collaborative back to the baseline floor; measures are added for the run when
   the collaborative's do not make that many rows) through the upload's own service
   (``csv_import.values_import``: check every row, then bulk upserts). In a transaction rolled
   back after, so the bench data stay as seeded.
3. **Convening reminders**: a convening two days ahead, open to the whole network, and its
   reminder queued to ``REMINDERS`` invitees through the outbox (``core.emails``, a
   ``ReminderLog`` claim per person, as the daily job does), then sent by ONE Celery worker
   process (``--concurrency 1``) over SMTP to a local sink (aiosmtpd) started here. Timed from
   the first email queued to the last one the sink accepted; emails a second count the sending
   alone (from the queueing transaction's commit, when the tasks reach the broker). The
   convening, its claims and its outbox rows are deleted after.

    python bench/extras.py OUT.json

Run with the benchmark's environment (bench/run.sh): REDIS_URL must name a Redis (the broker).
"""

import json
import logging
import math
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ncsup.settings")
# The worker and this process share a queue of their own on the bench Redis.
os.environ["CELERY_QUEUE"] = f"bench-extras-{os.getpid()}"

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from billing.models import Invoice  # noqa: E402
from billing.pdf import invoice_pdf_render  # noqa: E402
from collaboratives.convenings import reminders  # noqa: E402
from collaboratives.convenings.models import Convening, ReminderLog  # noqa: E402
from collaboratives.measures import csv_import  # noqa: E402
from collaboratives.measures.models import Measure  # noqa: E402
from collaboratives.measures.services import baseline_floor  # noqa: E402
from collaboratives.models import Collaborative, Enrollment  # noqa: E402
from core.models import OutboundEmail  # noqa: E402
from members.models import Role, TeamMember  # noqa: E402

PDFS = int(os.environ.get("BENCH_PDFS", "20"))
CSV_ROWS = int(os.environ.get("BENCH_CSV_ROWS", "5000"))
REMINDERS = int(os.environ.get("BENCH_REMINDERS", "10000"))
SEND_TIMEOUT = int(os.environ.get("BENCH_REMINDERS_TIMEOUT", "1800"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def pdfs() -> dict:
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # a font note per render
    invoices = list(Invoice.objects.exclude(number="").exclude(status="draft")
                    .order_by("-issue_date", "-pk")[:PDFS + 1])
    invoice_pdf_render(invoice=invoices[0])  # fonts and stylesheets load once per process
    times, sizes = [], []
    for invoice in invoices[1:]:
        started = time.perf_counter()
        sizes.append(len(invoice_pdf_render(invoice=invoice)))
        times.append((time.perf_counter() - started) * 1000)
    return {"what": f"{len(times)} invoices, one after another", "renders": len(times),
            "median_ms": statistics.median(times), "p95_ms": percentile(times, 95),
            "median_kb": statistics.median(sizes) / 1024}


class _Rollback(Exception):
    pass


def csv_rows() -> dict:
    collaborative = Collaborative.objects.order_by("start").first()
    enrollment = (Enrollment.objects.filter(collaborative=collaborative)
                  .order_by("team__name").first())
    lead = TeamMember.objects.get(team=enrollment.team, role=Role.LEAD, status="active").user
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    floor = baseline_floor(collaborative)
    weeks = (monday - floor).days // 7
    result = {}
    try:
        with transaction.atomic():
            measures = list(Measure.objects.filter(collaborative=collaborative, sampling="weekly")
                            .order_by("position"))
            template = measures[0]
            position = Measure.objects.filter(collaborative=collaborative).aggregate(
                Max("position"))["position__max"]
            while len(measures) * weeks < CSV_ROWS:
                position += 1
                extra = Measure.objects.get(pk=template.pk)
                extra.pk, extra.name, extra.position = None, f"Bench measure {position}", position
                extra.save()
                measures.append(extra)
            lines = ["measure,period,value,note"]
            for n in range(CSV_ROWS):
                measure, week = measures[n % len(measures)], n // len(measures)
                value = 40 + (n * 7) % 23
                lines.append(f"{measure.name},{monday - timedelta(weeks=week):%Y-%m-%d},"
                             f"{value}{'%' if measure.unit == 'percent' else ''},")
            raw = ("\n".join(lines) + "\n").encode()
            started = time.perf_counter()
            imported = csv_import.values_import(team=enrollment.team, collaborative=collaborative,
                                                actor=lead, raw=raw, filename="bench.csv")
            seconds = time.perf_counter() - started
            result = {"what": f"{imported.rows:,} rows, {len(measures)} measures x "
                              f"{math.ceil(CSV_ROWS / len(measures))} weeks of one team, "
                              f"{len(raw) / 1024:.0f} KB",
                      "rows": imported.rows, "created": imported.created,
                      "updated": imported.updated, "seconds": seconds,
                      "rows_per_second": imported.rows / seconds}
            raise _Rollback
    except _Rollback:
        pass
    return result


class Sink:
    """A local SMTP server that counts what it accepts."""

    def __init__(self):
        self.count = 0
        self.last = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.last = time.perf_counter()
        return "250 Message accepted for delivery"


def reminder_emails() -> dict:
    sink = Sink()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen(  # noqa: S603 - our own worker, fixed arguments
        [str(Path(sys.executable).parent / "celery"), "-A", "ncsup", "worker",
         "--concurrency", "1", "--pool", "prefork", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel", "WARNING",
         "--queues", os.environ["CELERY_QUEUE"]], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL)
    collaborative = Collaborative.objects.order_by("start").first()
    now = timezone.now()
    convening = Convening.objects.create(
        collaborative=collaborative, title="Benchmark: network webinar", format="online",
        starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=2, hours=1),
        meeting_link="https://meet.example.org/bench", open_to_network=True)
    try:
        kind, days_left = reminders.reminder_kind_due(convening, now=now)
        invitees = reminders._reminder_recipients(convening)  # the daily job's own list
        recipients = invitees.filter(pk__in=list(invitees.values_list("pk", flat=True)
                                                 [:REMINDERS]))
        started = time.perf_counter()
        with transaction.atomic():
            queued = reminders._notify_once(convening, kind=kind, template="convening_reminder",
                                            recipients=recipients, days_left=days_left)
        committed = time.perf_counter()  # the tasks go to the broker at commit
        deadline = time.monotonic() + SEND_TIMEOUT
        while sink.count < queued and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        sent = sink.count
        finished = sink.last or time.perf_counter()
        sending = finished - committed
        return {"what": f"{sent:,} of {queued:,} emails, one worker process", "queued": queued,
                "sent": sent, "queue_seconds": committed - started,
                "send_seconds": sending, "seconds": finished - started,
                "per_second": sent / sending if sending > 0 else 0.0}
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        controller.stop()
        OutboundEmail.objects.filter(key__startswith=f"convening-reminder:{convening.pk}:").delete()
        ReminderLog.objects.filter(convening=convening).delete()
        convening.delete()


def main(out: str) -> None:
    figures = {}
    for name, measure in (("pdf", pdfs), ("csv_import", csv_rows),
                          ("reminders", reminder_emails)):
        started = time.perf_counter()
        try:
            figures[name] = measure()
        except Exception as error:  # one failed figure must not lose the others
            figures[name] = {"what": f"failed: {error}"}
        print(f"  {name}: {figures[name].get('what')} "
              f"({time.perf_counter() - started:.1f} s)")
    Path(out).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
