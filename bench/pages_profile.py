"""Each key page's own cost, in-process, on the bench database: for finding why a page is slow.

Renders every page of the plan (bench/prepare.py) with Django's test client as its persona and
prints, per page: the median time of ``ROUNDS`` renders (wall clock, and this process's CPU
time, which other work on the machine muddies less), the Python function calls of one render
(which it does not muddy at all), the SQL queries of one render and the
time they took, and the HTML size. ``--queries NAME`` lists one page's queries, slowest first;
``--cprofile NAME`` prints its hottest functions. Run with the benchmark's environment:

    DATABASE_URL=postgres://…/ncsup_bench DEBUG=false SECRET_KEY=x ALLOWED_HOSTS=127.0.0.1 \
        python bench/pages_profile.py [--rounds 15] [--queries "collaborative home"] \
        [--cprofile NAME]   (PROFILE_SORT=tottime for the busiest functions themselves)

It writes nothing but the personas' sessions and the staff persona's second factor, as
``make bench`` does.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.prepare import pages, personas  # noqa: E402


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--queries", help="a page's name: list its queries")
    parser.add_argument("--cprofile", help="a page's name: profile its renders")
    args = parser.parse_args(argv)
    users, facts = personas()
    clients = {name: client_for(user) for name, user in users.items()}
    print(f"{'page':<30} {'median ms':>9} {'CPU ms':>7} {'calls':>7} {'queries':>7} "
          f"{'SQL ms':>7} {'HTML KB':>8}")
    for page in pages(facts):
        client = clients[page["persona"]]
        client.get(page["path"])  # warm caches and connections
        times, cpu = [], []
        for _ in range(args.rounds):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(page["path"])
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (page["path"], response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(page["path"])
        queries = list(captured.captured_queries)  # the next request clears the log
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        # Python function calls of one render: a measure of the page's own work that other
        # work on a busy machine does not change, for comparing before and after a change.
        counter = cProfile.Profile()
        counter.enable()
        client.get(page["path"])
        counter.disable()
        calls = pstats.Stats(counter).total_calls
        print(f"{page['name']:<30} {statistics.median(times):>9.1f} "
              f"{statistics.median(cpu):>7.1f} {calls / 1000:>6.0f}k "
              f"{len(queries):>7} {sql_ms:>7.1f} "
              f"{len(response.content) / 1024:>8.1f}")
        if args.queries == page["name"]:
            for query in sorted(queries, key=lambda q: -float(q["time"])):
                print(f"    {float(query['time']) * 1000:6.1f} ms  {query['sql'][:400]}")
        if args.cprofile == page["name"]:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.rounds):
                client.get(page["path"])
            profiler.disable()
            order = os.environ.get("PROFILE_SORT", "cumulative")
            pstats.Stats(profiler).sort_stats(order).print_stats(40)


if __name__ == "__main__":
    main()
