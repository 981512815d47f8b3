"""Test settings: the real settings, with a throwaway key and fast password hashing.

The database and the broker still come from ``DATABASE_URL`` and ``REDIS_URL``, so the same suite
runs on SQLite locally and on PostgreSQL with a real Celery worker in CI.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdef")

from ncsup.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="ncsup-media-"))  # noqa: F405
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="ncsup-static-"))  # noqa: F405
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
SECURE_SSL_REDIRECT = False
# Tasks run in-process in tests; the integration tests start a real worker on Redis themselves
# (which sets CELERY_TASK_ALWAYS_EAGER=false for the worker process).
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "true") == "true"
# Each test starts with an empty cache (see tests/conftest.py); a process-local cache keeps
# concurrent test runs on one machine from sharing rate-limit counters.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
