"""Production differs from a laptop only by environment: these run the real settings module."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Gq2-production-like-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "portal.ncsup.example.org",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.org:587",
    "DATABASE_URL": "sqlite:////tmp/ncsup-settings-test.sqlite3",
}


def run(args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "EMAIL_URL", "REDIS_URL", "DATABASE_URL",
                          "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="ncsup.settings")
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True,
                          text=True, timeout=120)


def settings_of(names, **env):
    code = ("import django, json; django.setup(); from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))")
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_console_mail_in_production_fails_the_deploy_check():
    env = {**PRODUCTION, "EMAIL_URL": "consolemail://"}
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    assert result.returncode != 0
    assert "mail.E001" in result.stderr + result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = run(["manage.py", "check"], **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_email_url_feeds_mailers():
    values = settings_of(["MAILERS"], **PRODUCTION)
    assert values["MAILERS"]["default"] == {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "mail.example.org", "port": 587, "username": "mailer",
                    "password": "secret", "use_tls": True, "timeout": 20},
    }


def test_without_redis_tasks_run_in_process_and_cache_is_the_database():
    values = settings_of(["CELERY_TASK_ALWAYS_EAGER", "CACHES"], **PRODUCTION)
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CACHES"]["default"]["BACKEND"].endswith("DatabaseCache")


def test_with_redis_tasks_go_to_the_broker_and_rate_limits_use_redis():
    values = settings_of(["CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "CACHES"],
                         **PRODUCTION, REDIS_URL="redis://127.0.0.1:6379/3")
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert values["CACHES"]["default"]["BACKEND"].endswith("RedisCache")


@pytest.mark.django_db
def test_content_security_policy_allows_no_inline_script(client):
    # The portal ships no script at all; a nonce appears only on a page that uses one.
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_every_environment_variable_is_documented():
    import re

    settings_source = (ROOT / "ncsup/settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    example = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    readme = (ROOT / "README.md").read_text()
    assert read - example == set(), "add to .env.example"
    assert {v for v in read if f"`{v}`" not in readme} == set(), "add to the README's table"


def test_models_and_migrations_agree():
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"], DEBUG="true")
    assert result.returncode == 0, result.stdout + result.stderr
