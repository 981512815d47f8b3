"""Turn a locust run (its --csv files and the exact samples the locustfile wrote) into Markdown.

    python bench/report.py --csv DIR/locust --samples DIR/samples.csv --plan DIR/plan.json \
        --run DIR/run.json [--seed-log FILE] --out docs/benchmark.md

Counts, failures and throughput come from locust's ``*_stats.csv``; p50 / p95 / p99 are computed
here from every measured request (nearest rank, 0.1 ms), because locust rounds response times to
whole milliseconds. Each key page's p95 is divided by the signed-in trivial view's
(``/bench/signed-in``, the floor of any page that shows a person their data) measured in the same
run; the target is at most 3x, and no request of the run (any page's) may fail. The ratio to
``/healthz`` is shown beside it.

Beside the page table: each page's weight (HTML bytes, and gzip-compressed as sent to a browser),
and the one-off figures ``bench/extras.py`` measured (invoice PDF renders, a CSV import, a batch
of convening reminders through the outbox). Every figure is also written to a JSON file
(``--json``, docs/benchmark.json); the previous run's file, read before it is replaced, gives the
change beside each figure.
"""

import argparse
import csv
import json
import math
import os
import platform
import sys
from collections import defaultdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

TARGET_RATIO = 3.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def installed_version(name: str) -> str:
    """The package's version; the report is also rendered (in tests) where the load tool isn't."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[tuple[str, str]]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "unknown"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
            break
    cores = len(os.sched_getaffinity(0))
    versions = ", ".join(f"{name} {installed_version(name)}"
                         for name in ("Django", "gunicorn", "locust", "psycopg"))
    return [("cores (nproc)", str(cores)), ("CPU", cpu), ("memory", memory),
            ("OS", f"{platform.system()} {platform.release()}"),
            ("Python", platform.python_version()), ("packages", versions)]


def read_stats(prefix: str) -> dict[str, dict]:
    with open(f"{prefix}_stats.csv", newline="") as f:
        return {row["Name"]: row for row in csv.DictReader(f) if row["Name"] != "Aggregated"}


def read_failures(prefix: str) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def read_samples(path: str) -> dict[str, list[float]]:
    samples = defaultdict(list)
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            samples[row["name"]].append(float(row["response_time_ms"]))
    return samples


def read_access_log(path: str | None) -> dict[str, list[float]]:
    """Path -> milliseconds each measured request spent inside gunicorn (from the worker reading
    the request to writing the answer), from the access log run.sh asks for:
    ``phase path microseconds status``."""
    times = defaultdict(list)
    if not path or not Path(path).exists():
        return times
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "measure":
            times[parts[1]].append(int(parts[2]) / 1000)
    return times


def fmt(value: float, places: int = 1) -> str:
    return "n/a" if math.isnan(value) else f"{value:.{places}f}"


def results(plan, stats, samples, alone, server=None) -> tuple[list[dict], dict]:
    rows = []
    server = server or {}
    # The probe's file: {"alone": {name: ms}, "weights": {name: {"html": n, "gzip": n}}}
    # (an older probe wrote the first mapping only).
    weights = alone.get("weights", {})
    alone = alone.get("alone", alone)
    for page in plan["pages"]:
        stat = stats.get(page["name"], {})
        times = samples.get(page["name"], [])
        inside = server.get(page["path"].split("?")[0], [])
        rows.append({
            "server_p50": percentile(inside, 50), "server_p95": percentile(inside, 95),
            "page": page, "alone": alone.get(page["name"], math.nan),
            "requests": int(stat.get("Request Count", 0) or 0),
            "failures": int(stat.get("Failure Count", 0) or 0),
            "rps": float(stat.get("Requests/s", 0) or 0),
            "p50": percentile(times, 50), "p95": percentile(times, 95),
            "p99": percentile(times, 99),
            "html_bytes": weights.get(page["name"], {}).get("html"),
            "gzip_bytes": weights.get(page["name"], {}).get("gzip"),
        })
    baseline = next(r for r in rows if r["page"].get("baseline"))
    signed_in = next((r for r in rows if r["page"].get("reference")), None)
    for row in rows:
        row["ratio"] = row["p95"] / baseline["p95"] if baseline["p95"] else math.nan
        row["ratio_signed_in"] = (row["p95"] / signed_in["p95"]
                                  if signed_in and signed_in["p95"] else math.nan)
        row["passes"] = (row["requests"] > 0 and row["failures"] == 0
                         and (not is_key(row) or row["ratio_signed_in"] <= TARGET_RATIO))
    return rows, baseline


def quiet(run: dict) -> bool:
    """Whether the machine was left to the benchmark: little other work before and during."""
    return run.get("idle_busy", 0) <= 15 and run["cpu"]["other"] <= 10


def verdict(rows: list[dict]) -> bool:
    """The run meets the target: every key page within 3x of the signed-in floor, and not one
    request of the run failed (the trivial views' included)."""
    return (all(r["passes"] for r in rows if is_key(r))
            and not any(r["failures"] for r in rows))


def is_key(row: dict) -> bool:
    """A key page, as opposed to the trivial view, the signed-in reference and the admin's
    changelists (measured for reference: they do not decide the exit code)."""
    return not (row["page"].get("baseline") or row["page"].get("reference")
                or row["page"].get("admin_reference"))


def target_cell(row: dict) -> str:
    if row["page"].get("baseline"):
        return "baseline"
    if row["page"].get("admin_reference"):
        return "admin, reference"
    if row["page"].get("reference"):
        return "reference"
    return "pass" if row["passes"] else "**fail**"


def change(now: float | None, before: float | None, places: int = 1) -> str:
    """``+0.42`` / ``-1.3`` against the previous run; ``new`` when it had no such figure."""
    if now is None or (isinstance(now, float) and math.isnan(now)):
        return "n/a"
    if before is None or (isinstance(before, float) and math.isnan(before)):
        return "new"
    delta = now - before
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"
    return f"{sign}{abs(delta):.{places}f}"


def previous_page(previous: dict, row: dict, key: str):
    """The same page's figure in the previous run (pages are matched by name)."""
    return previous.get("pages", {}).get(row["page"]["name"], {}).get(key)


def kb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1024:,.1f}"


def weights_table(rows: list[dict], previous: dict) -> list[str]:
    """Each page's weight: its HTML as rendered, and as sent gzip-compressed."""
    weighed = [r for r in rows if r["html_bytes"] is not None]
    if not weighed:
        return []
    out = ["### Page weights", "",
           "Each page's answer as rendered and as sent to a client that accepts gzip "
           "(GZipMiddleware), measured by the probe before the load.", ""]
    out += table(["page", "HTML KB", "gzip KB", "gzip KB change"],
                 [[r["page"]["name"], kb(r["html_bytes"]), kb(r["gzip_bytes"]),
                   change(None if r["gzip_bytes"] is None else r["gzip_bytes"] / 1024,
                          None if previous_page(previous, r, "gzip_bytes") is None
                          else previous_page(previous, r, "gzip_bytes") / 1024)]
                  for r in weighed])
    return [*out, ""]


EXTRAS = [
    # (key in extras.json, figure, label, unit, decimal places)
    ("pdf", "median_ms", "invoice PDF render, median", "ms", 0),
    ("pdf", "p95_ms", "invoice PDF render, p95", "ms", 0),
    ("csv_import", "seconds", "measure CSV import", "s", 2),
    ("csv_import", "rows_per_second", "measure CSV import, rows a second", "rows/s", 0),
    ("reminders", "queue_seconds", "convening reminders: queued in the outbox", "s", 1),
    ("reminders", "seconds", "convening reminders: queued and sent, in all", "s", 1),
    ("reminders", "per_second", "convening reminders: sent, emails a second", "emails/s", 0),
]


def extras_table(extras: dict, previous: dict) -> list[str]:
    """The one-off figures of bench/extras.py, beside the previous run's."""
    if not extras:
        return []
    before = previous.get("extras", {})
    rows = []
    for key, figure, label, unit, places in EXTRAS:
        if key not in extras:
            continue
        value = extras[key].get(figure)
        old = before.get(key, {}).get(figure)
        rows.append([f"{label} ({extras[key].get('what', '')})".replace(" ()", ""),
                     "n/a" if value is None else f"{value:,.{places}f} {unit}",
                     "n/a" if old is None else f"{old:,.{places}f} {unit}",
                     change(value, old, places)])
    out = ["### Beside the pages", "",
           "One run each, by `bench/extras.py` on the same database after the load (README, "
           "*Benchmark*).", ""]
    out += table(["what", "this run", "previous run", "change"], rows)
    return [*out, ""]


def figures(rows: list[dict], extras: dict, ran_at: datetime) -> dict:
    """The run's figures, machine-readable, for the next run's comparison."""
    keep = ("p50", "p95", "p99", "server_p95", "alone", "ratio", "ratio_signed_in",
            "failures", "requests", "html_bytes", "gzip_bytes")

    def clean(value):
        return None if isinstance(value, float) and math.isnan(value) else value

    return {"ran_at": ran_at.isoformat(), "target_ratio": TARGET_RATIO,
            "passed": verdict(rows),
            "pages": {r["page"]["name"]: {"path": r["page"]["path"],
                                          **{k: clean(r[k]) for k in keep}} for r in rows},
            "extras": extras}


def read_json(path: str | None) -> dict:
    if not path or not Path(path).exists():
        return {}
    try:
        return json.loads(Path(path).read_text())
    except ValueError:
        return {}


def table(headers: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |",
             "| " + " | ".join("---" if i == 0 else "---:" for i in range(len(headers))) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def render(plan, run, rows, baseline, failures, seed_log, findings="", ran_at=None,
           extras=None, previous=None) -> str:
    previous = previous or {}
    key = [r for r in rows if is_key(r)]
    passed = [r for r in key if r["passes"]]
    errors = sum(r["failures"] for r in rows)
    now = (ran_at or datetime.now(UTC)).astimezone()
    out = [
        "# Benchmark",
        "",
        f"`make bench`, run on {now:%d %B %Y at %H:%M %Z}. It seeds a national network on "
        "PostgreSQL, serves the portal with gunicorn on loopback with production settings and "
        "drives a fixed request rate with locust at the key pages and at a trivial view with the "
        "same middleware (`/healthz`), interleaved in one run. How to run it and its knobs: "
        "README, section *Benchmark*.",
        "",
        "## Result",
        "",
        f"**{len(passed)} of {len(key)} key pages meet the target** (p95 at most "
        f"{TARGET_RATIO:g}x the signed-in trivial view's p95 in the same run, no failures); "
        f"{errors} failed request{'s' if errors != 1 else ''} in all"
        + (" (**any failure fails the run**)" if errors else "") + ". "
        + "".join(f"The signed-in trivial view's p95 (`{r['page']['path']}`, the session and "
                  f"the user read, nothing else) was {fmt(r['p95'])} ms; "
                  for r in rows if r["page"].get("reference"))
        + f"the trivial view's (`/healthz`, no session) {fmt(baseline['p95'])} ms."
        + (" Rows marked *admin, reference* are the Django admin's changelists, where staff "
           "edit: measured beside the portal's staff lists that replace them for daily work, "
           "they do not decide the result (a failed request of theirs still does)."
           if any(r["page"].get("admin_reference") for r in rows) else "")
        + ("" if quiet(run) else
           f" **Not a valid run: other work kept the machine {run['cpu']['other']}% busy** "
           "(see *Machine*); on a saturated machine every request waits alike and the ratios "
           "shrink towards 1, so `make bench` exits 2 whatever they say."),
        "",
    ]
    out += table(
        ["page", "as", "requests", "failures", "p50 ms", "p95 ms", "p99 ms", "req/s",
         "server p50 ms", "server p95 ms", "alone ms", "p95 ÷ trivial", "p95 ÷ signed-in",
         "change", "target"],
        [[f"{r['page']['name']} `{r['page']['path']}`", r["page"]["persona"], r["requests"],
          r["failures"], fmt(r["p50"]), fmt(r["p95"]), fmt(r["p99"]), f"{r['rps']:.2f}",
          fmt(r["server_p50"]), fmt(r["server_p95"]), fmt(r["alone"]),
          f"{r['ratio']:.2f}", fmt(r["ratio_signed_in"], 2),
          change(r["ratio_signed_in"], previous_page(previous, r, "ratio_signed_in"), 2),
          target_cell(r)]
         for r in rows])
    if failures:
        out += ["", "Failures:", ""]
        out += table(["page", "error", "occurrences"],
                     [[f["Name"], f["Error"].replace("|", "/"), f["Occurrences"]]
                      for f in failures])
    out += [
        "",
        "Latencies are measured by locust from sending the request to reading the whole answer, "
        "over a new loopback connection each time (gunicorn's sync workers do not keep "
        "connections alive). Percentiles are computed from every measured request (nearest "
        "rank); counts and throughput are locust's. *Server* p50 / p95 are the same requests "
        "timed inside gunicorn (its access log, from the worker reading the request to writing "
        "the answer): what the client measured beyond them is waiting for a worker or a core "
        "and the loopback round trip. *Alone* is the median of 15 requests sent "
        "one at a time before the load (no other request competing): the page's own cost, its "
        "floor under load. *Change* is the ratio's change since the previous run "
        "(docs/benchmark.json).",
        "",
    ]
    out += weights_table(rows, previous)
    out += extras_table(extras or {}, previous)
    out += [
        "## Machine",
        "",
    ]
    out += table(["", ""], [*machine(), ("PostgreSQL", plan["postgres"]),
                            ("Redis", run.get("redis_version", "?"))])
    cpu = run["cpu"]
    clean = quiet(run)
    out += ["", "The database, Redis, gunicorn and locust all run on this one machine. Over the "
            f"run its CPU was {cpu['busy']}% busy: {cpu['ours']}% the benchmark's own processes "
            f"(gunicorn, locust, the bench database's PostgreSQL backends) and {cpu['other']}% "
            "other work"
            + (". **Other work was running: these latencies are not clean; run it again on a "
               "quiet machine.**" if not clean else "."), "",
            "## Data", "",
            f"Seeded by `manage.py bench_seed --scale {run['scale']}` and counted from the "
            f"database after the run. The roster page shows the largest team, "
            f"“{plan['team']['name']}” ({plan['team']['active']} active members, 25 a page); the "
            f"collaborative pages show “{plan['collaborative']}”.", ""]
    out += table(["what", "rows"], [[label, f"{n:,}"] for label, n in plan["sizes"]])
    used = {page["persona"] for page in plan["pages"]}
    idle = [name for name in plan["personas"] if name not in used]
    out += ["", "Personas (sessions created directly in the session store, sent as "
            "`Cookie: sessionid=…`): " + "; ".join(
                f"**{name}** {info['email']}" for name, info in plan["personas"].items())
            + ". The lead leads the largest team and is its membership's billing contact; the "
            "member is on another team enrolled in the collaborative; the coach coaches teams "
            "in it; staff is a superuser (staff see every team's chart on the cross-team page, "
            "a coach only the teams they coach)."
            + (f" Created but not sent by this run's pages: {', '.join(idle)}." if idle else ""),
            ""]
    if seed_log:
        out += ["### Seeding", "", f"The last seed ({seed_log['when']}), time per table "
                "(COPY of rows generated in Python; the whole seed in one transaction, then "
                "`VACUUM ANALYZE`):", "", "```", *seed_log["lines"], "```", ""]
    out += ["## Settings", "", *[f"- {line}" for line in run["settings"]], f"- {why(run, rows)}",
            ""]
    if findings:
        out += [findings.rstrip(), ""]
    return "\n".join(out)


def why(run: dict, rows: list[dict]) -> str:
    """Why this rate: what the pages cost alone, against the machine's cores."""
    rate, cores = run["rate"], run["cores"]
    per_round = sum(r["alone"] for r in rows if not math.isnan(r["alone"]))
    share = rate / len(rows) * per_round / 1000 / cores * 100
    served = sum(r["rps"] for r in rows)
    heaviest = max(rows, key=lambda r: 0 if math.isnan(r["alone"]) else r["alone"])
    return (f"Why {rate:g} requests/s: one request to each of the {len(rows)} pages costs "
            f"{per_round:.0f} ms of work alone, so at {rate:g} requests/s the pages alone need "
            f"{share:.0f}% of the {cores} cores; with PostgreSQL and locust the benchmark kept "
            f"the CPU {run['cpu']['ours']}% busy, and locust measured {served:.1f} requests/s "
            "answered in all. The machine sustains that with room to spare, and requests still "
            "overlap and share the two cores (and the database's) as they would in production: "
            "the server columns show each page's own time under that sharing, the difference to "
            f"the client's columns the waiting around it. The heaviest page, the "
            f"{heaviest['page']['name']}, costs about {heaviest['alone']:.0f} ms alone. At twice "
            f"the rate the pages alone would need {2 * share:.0f}% of the cores.")


def read_seed_log(path: str | None) -> dict | None:
    if not path or not Path(path).exists():
        return None
    lines, keep = [], False
    for line in Path(path).read_text().splitlines():
        keep = keep or line.startswith(("Migrated", "Seeding"))
        if keep:
            lines.append(line.rstrip())
        if line.startswith("Seeded in"):
            break
    when = datetime.fromtimestamp(Path(path).stat().st_mtime, UTC).astimezone()
    return {"when": f"{when:%d %B %Y %H:%M %Z}", "lines": lines}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", required=True, help="locust's --csv prefix")
    parser.add_argument("--samples", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--run", required=True, help="JSON: scale, settings lines")
    parser.add_argument("--alone", help="JSON: each page's median latency alone")
    parser.add_argument("--access-log", help="gunicorn's access log: phase path usec status")
    parser.add_argument("--seed-log")
    parser.add_argument("--findings", help="Markdown written by hand, appended as it is")
    parser.add_argument("--extras", help="JSON from bench/extras.py")
    parser.add_argument("--json", help="the figures, machine-readable: read first as the "
                                       "previous run's, then replaced by this run's")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    plan = json.loads(Path(args.plan).read_text())
    run = json.loads(Path(args.run).read_text())
    alone = json.loads(Path(args.alone).read_text()) if args.alone else {}
    extras = read_json(args.extras)
    previous = read_json(args.json)
    rows, baseline = results(plan, read_stats(args.csv), read_samples(args.samples), alone,
                             read_access_log(args.access_log))
    findings = (Path(args.findings).read_text()
                if args.findings and Path(args.findings).exists() else "")
    ran_at = datetime.fromtimestamp(Path(args.samples).stat().st_mtime, UTC)
    text = render(plan, run, rows, baseline, read_failures(args.csv),
                  read_seed_log(args.seed_log), findings, ran_at=ran_at, extras=extras,
                  previous=previous)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps(figures(rows, extras, ran_at), indent=2) + "\n")
    key = [r for r in rows if is_key(r)]
    print(f"{sum(r['passes'] for r in key)} of {len(key)} key pages meet the target; "
          f"{sum(r['failures'] for r in rows)} failed requests; report in {args.out}")
    for r in rows:
        print(f"  {r['page']['name']:<30} p95 {fmt(r['p95']):>7} ms  "
              f"x{fmt(r['ratio_signed_in'], 2)} of signed-in  failures {r['failures']}"
              + ("  (admin, reference)" if r["page"].get("admin_reference") else ""))
    if not verdict(rows):
        return 1
    if not quiet(run):
        print("other work ran on the machine: the figures are not valid (exit 2)")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
