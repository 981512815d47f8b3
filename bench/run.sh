#!/usr/bin/env bash
# `make bench`: seed a national network on PostgreSQL, serve the portal with gunicorn on loopback
# with production settings, drive a fixed request rate with locust at the key pages and at the
# trivial view /healthz (interleaved, one run), and write docs/benchmark.md.
#
# Bounded: locust stops by itself after the warm-up and the measured duration (and `timeout`
# stops it if it does not). gunicorn and locust are stopped on every exit, failures included.
# Exits 1 when a key page's p95 is above 3x the signed-in floor's or any request failed, 2 when
# other work kept the machine busy (the figures are not valid); the report is written all the
# same.
# Knobs (environment): README, section "Benchmark".
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ncsup_bench}
BENCH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/15}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_RESET=${BENCH_RESET:-false}
BENCH_RATE=${BENCH_RATE:-8}
BENCH_USERS=${BENCH_USERS:-8}
BENCH_WARMUP=${BENCH_WARMUP:-10}
BENCH_DURATION=${BENCH_DURATION:-180}
BENCH_WORKERS=${BENCH_WORKERS:-$((2 * $(nproc) + 1))}
BENCH_REPORT=${BENCH_REPORT:-docs/benchmark.md}
BENCH_SEED_LOG=${BENCH_SEED_LOG:-${TMPDIR:-/tmp}/ncsup-bench-seed.log}
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-300}
BENCH_EXTRAS=${BENCH_EXTRAS:-true}
BENCH_JSON=${BENCH_JSON:-docs/benchmark.json}

work=$(mktemp -d "${TMPDIR:-/tmp}/ncsup-bench.XXXXXX")
gunicorn_pid=""
locust_pid=""
watch_pid=""

stop() {  # stop one process we started: TERM, then KILL after 10 s
    local pid=$1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop "$locust_pid"
    stop "$gunicorn_pid"
    stop "$watch_pid"
    if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "bench: logs kept in $work" >&2; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Production settings, on loopback, with a secret of this run's own (the sessions are signed
# with it, so they are made with the same environment as the server).
export DATABASE_URL=$BENCH_DATABASE_URL REDIS_URL=$BENCH_REDIS_URL
export DEBUG=false ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=false EMAIL_URL=dummymail://
export CONN_MAX_AGE=60 MEDIA_ROOT=$work/media LOG_LEVEL=WARNING
SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
unset DJANGO_SETTINGS_MODULE

echo "bench 1/6: the database ($BENCH_DATABASE_URL, scale $BENCH_SCALE)"
reset=()
[ "$BENCH_RESET" = true ] && reset=(--reset)
# bench_seed is a command of the bench app, which only bench.settings installs.
PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=bench.settings "$BIN/python" manage.py bench_seed --scale "$BENCH_SCALE" "${reset[@]}" | tee "$work/seed.log"
if grep -q '^Seeded in' "$work/seed.log"; then cp "$work/seed.log" "$BENCH_SEED_LOG"; fi
# The bench's own Redis database starts empty: the seed writes by COPY, which the fragment
# cache's write counter (core/fragments.py) does not see, so a previous run's fragments go.
redis_version=$("$BIN/python" -c 'import os, redis; r = redis.Redis.from_url(os.environ["REDIS_URL"]); r.flushdb(); print(r.info()["redis_version"])')

echo "bench 2/6: static files, personas and their sessions"
"$BIN/python" manage.py collectstatic --noinput --verbosity 0
"$BIN/python" bench/prepare.py "$work/plan.json"

# Latencies on a shared machine mean little while other work runs: wait (a while) for quiet.
cpu() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
busy_over() {  # percent of all cores busy over the next $1 seconds
    local b0 t0 b1 t1
    read -r b0 t0 < <(cpu); sleep "$1"; read -r b1 t1 < <(cpu)
    echo $(( 100 * (b1 - b0) / (t1 - t0) ))
}
idle_busy=$(busy_over 5)
waited=0
while [ "$idle_busy" -gt 15 ] && [ "$waited" -lt "$BENCH_QUIET_WAIT" ]; do
    echo "  other work keeps the machine ${idle_busy}% busy; waiting for it to settle"
    sleep 10
    idle_busy=$(busy_over 5)
    waited=$((waited + 15))
done
echo "  the machine was ${idle_busy}% busy with other work before the run"

echo "bench 3/6: gunicorn, $BENCH_WORKERS sync workers on 127.0.0.1"
port=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
# bench.settings: the production settings plus /bench/signed-in (bench/urls.py).
DJANGO_SETTINGS_MODULE=bench.settings "$BIN/gunicorn" ncsup.wsgi:application --bind "127.0.0.1:$port" --workers "$BENCH_WORKERS" \
    --worker-class sync --timeout 30 --graceful-timeout 5 --log-level warning \
    --error-logfile "$work/gunicorn.log" --access-logfile "$work/access.log" \
    --access-logformat '%({x-bench-phase}i)s %(U)s %(D)s %(s)s' &
gunicorn_pid=$!
"$BIN/python" - "$port" <<'EOF'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/healthz"
for _ in range(120):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(f"gunicorn did not answer {url} within a minute")
EOF

"$BIN/python" bench/probe.py "http://127.0.0.1:$port" "$work/plan.json" "$work/alone.json"

echo "bench 4/6: locust, $BENCH_RATE requests/s for ${BENCH_WARMUP} s warm-up + ${BENCH_DURATION} s"
dbname=$("$BIN/python" -c 'import os, urllib.parse; print(urllib.parse.urlparse(os.environ["DATABASE_URL"]).path.lstrip("/"))')
# Our CPU (this script's processes and the bench database's backends) against the machine's.
"$BIN/python" bench/cpu.py "$dbname" "$work/cpu.json" $$ &
watch_pid=$!
# locust runs at a higher priority than the server: a load tool starved of CPU would add its
# own waiting to every latency it measures (root may raise priority; others run it as is).
boost=()
[ "$(id -u)" = 0 ] && boost=(nice -n -10)
BENCH_PLAN=$work/plan.json BENCH_SAMPLES=$work/samples.csv BENCH_RATE=$BENCH_RATE \
BENCH_USERS=$BENCH_USERS BENCH_WARMUP=$BENCH_WARMUP \
    timeout --kill-after=10 $((BENCH_WARMUP + BENCH_DURATION + 60)) \
    "${boost[@]}" "$BIN/locust" -f bench/locustfile.py --headless --host "http://127.0.0.1:$port" \
    --users "$BENCH_USERS" --spawn-rate "$BENCH_USERS" \
    --run-time "$((BENCH_WARMUP + BENCH_DURATION))s" --stop-timeout 5 \
    --csv "$work/locust" --only-summary --loglevel WARNING --exit-code-on-error 0 \
    > "$work/locust.log" 2>&1 &
locust_pid=$!
wait "$locust_pid"
locust_pid=""
kill -TERM "$watch_pid"
wait "$watch_pid"
watch_pid=""
echo "  CPU over the run: $(cat "$work/cpu.json")"
stop "$gunicorn_pid"
gunicorn_pid=""

echo "bench 5/6: PDFs, a CSV import, reminders through the outbox (bench/extras.py)"
echo '{}' > "$work/extras.json"
if [ "$BENCH_EXTRAS" = true ]; then
    "$BIN/python" bench/extras.py "$work/extras.json"
fi

echo "bench 6/6: the report"
gunicorn_version=$("$BIN/python" -c 'from importlib.metadata import version; print(version("gunicorn"))')
per_user=$("$BIN/python" -c "print(round($BENCH_RATE / $BENCH_USERS, 3))")
"$BIN/python" - "$work/run.json" <<EOF
import json, sys
settings = [
    "gunicorn $gunicorn_version: \`--workers $BENCH_WORKERS\` sync workers (2 x $(nproc) cores + 1"
    " unless BENCH_WORKERS says otherwise), bound to 127.0.0.1, \`--timeout 30\`; static files"
    " collected and served by WhiteNoise.",
    "Django settings from the environment, as in production: DEBUG=false, a random SECRET_KEY,"
    " ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=false (plain HTTP on loopback; cookies stay"
    " Secure), EMAIL_URL=dummymail://, REDIS_URL=$BENCH_REDIS_URL (the cache; no Celery worker"
    " runs and the pages enqueue nothing), CONN_MAX_AGE=60, sessions in the database;"
    " gunicorn loads bench.settings, which is ncsup.settings plus the one URL /bench/signed-in.",
    "locust (headless, FastHttpUser, at nice -10 when run as root, so that the load tool is"
    " not the one waiting): $BENCH_USERS users, each starting its requests at the moments of"
    " a Poisson process of $per_user a second scheduled ahead of the answers, so the run is a"
    " Poisson stream of $BENCH_RATE requests/s whatever the response times; each user takes the"
    " pages in turn from a random first page. $BENCH_WARMUP s of warm-up (statistics"
    " reset after it), then $BENCH_DURATION s measured.",
]
json.dump({"scale": "$BENCH_SCALE", "settings": settings, "redis_version": "$redis_version",
           "cpu": json.load(open("$work/cpu.json")), "idle_busy": $idle_busy,
           "rate": $BENCH_RATE, "cores": $(nproc)}, open(sys.argv[1], "w"), indent=2)
EOF
"$BIN/python" bench/report.py --csv "$work/locust" --samples "$work/samples.csv" \
    --plan "$work/plan.json" --run "$work/run.json" --alone "$work/alone.json" \
    --access-log "$work/access.log" \
    --seed-log "$BENCH_SEED_LOG" --findings bench/findings.md --extras "$work/extras.json" \
    --json "$BENCH_JSON" --out "$BENCH_REPORT"
