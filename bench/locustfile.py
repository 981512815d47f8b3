"""A fixed request rate at the portal's key pages and at /healthz, interleaved, for `make bench`.

Each simulated user visits the pages of the plan (bench/prepare.py) in turn, starting at a
random page. Its requests start at the moments of a Poisson process of ``BENCH_RATE /
BENCH_USERS`` a second, scheduled ahead of the answers (a slow answer delays the next start,
never the schedule), so the whole run is a Poisson stream at ``BENCH_RATE`` a second whatever
the response times: requests meet as independent visitors' do. (Until 1 December 2026 each user
ran at ``constant_throughput``, one request a fixed period after the last: every user kept the
phase it started with, so the same requests collided every second for the whole run, and every
latency, the trivial view's most of all, measured those collisions.) Statistics are reset after
``BENCH_WARMUP`` seconds;
every measured request is also written, with its exact time, to ``BENCH_SAMPLES`` (locust's own
percentiles are rounded to whole milliseconds, too coarse next to a 2 ms baseline).

Each request says in an ``X-Bench-Phase`` header whether it is measured; gunicorn's access log
records that with the time the request took inside the server.

An answer counts as a failure unless it is a 200 (redirects are not followed: a login redirect
fails) and contains the page's expected text. Requests ask for gzip, as browsers do (locust's
FastHttpUser sends ``Accept-Encoding: gzip, deflate, br`` and decompresses the answer), so the
latencies include the portal's compression (GZipMiddleware).
"""

import csv
import json
import os
import random
import time
from pathlib import Path

import gevent
from locust import events, task
from locust.contrib.fasthttp import FastHttpUser

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
RATE = float(os.environ.get("BENCH_RATE", "40"))
USERS = int(os.environ.get("BENCH_USERS", "20"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "10"))
SAMPLES = os.environ.get("BENCH_SAMPLES", "")

state = {"measuring": False, "file": None, "writer": None}


@events.test_start.add_listener
def _start(environment, **kwargs):
    if SAMPLES:
        state["file"] = open(SAMPLES, "w", newline="")  # noqa: SIM115 - closed at test_stop
        state["writer"] = csv.writer(state["file"])
        state["writer"].writerow(["name", "response_time_ms", "ok"])

    def warm_up_then_measure():
        gevent.sleep(WARMUP)
        environment.stats.reset_all()
        state["measuring"] = True

    gevent.spawn(warm_up_then_measure)


@events.request.add_listener
def _sample(name, response_time, exception, **kwargs):
    if state["measuring"] and state["writer"] is not None:
        state["writer"].writerow([name, f"{response_time:.3f}", int(exception is None)])


@events.test_stop.add_listener
def _stop(environment, **kwargs):
    if state["file"] is not None:
        state["file"].close()
        state["file"] = None


class Visitor(FastHttpUser):
    def on_start(self):
        self.turn = random.randrange(len(PLAN["pages"]))
        self.next_start = time.monotonic() + random.expovariate(RATE / USERS)
        gevent.sleep(self.next_start - time.monotonic())

    def wait_time(self):
        """Until the next start of this user's Poisson schedule (at once when it is late)."""
        self.next_start += random.expovariate(RATE / USERS)
        return max(0.0, self.next_start - time.monotonic())

    @task
    def visit(self):
        page = PLAN["pages"][self.turn % len(PLAN["pages"])]
        self.turn += 1
        self.client.cookiejar.clear()
        # The phase goes to gunicorn's access log, which times each measured request inside
        # the server (bench/report.py: "server" columns).
        headers = {"Cookie": f"sessionid={PLAN['sessions'][page['persona']]}",
                   "X-Bench-Phase": "measure" if state["measuring"] else "warm-up"}
        with self.client.get(page["path"], name=page["name"], headers=headers,
                             allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif page["expect"] not in (response.text or ""):
                response.failure(f"answer lacks {page['expect']!r}")
