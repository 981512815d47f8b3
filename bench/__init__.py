"""The benchmark (``make bench``, README "Benchmark"): a Django app installed only by
``bench/settings.py``, with the bulk seed ``manage.py bench_seed`` and the one extra URL
``/bench/signed-in``; beside it the scripts that drive and report the run (``run.sh``,
``prepare.py``, ``locustfile.py``, ``probe.py``, ``cpu.py``, ``report.py``)."""
