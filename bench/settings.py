"""Production settings, from the environment as always, with the benchmark's app: its bulk seed
(``manage.py bench_seed``) and its one extra URL (``bench/urls.py``). Only ``make bench`` uses
them (``bench/run.sh``): the portal's own settings never install the benchmark."""

from ncsup.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
