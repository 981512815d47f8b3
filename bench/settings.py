"""Production settings, from the environment as always, with the benchmark's one extra URL
(``bench/urls.py``). Only gunicorn under ``make bench`` uses it."""

from ncsup.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
