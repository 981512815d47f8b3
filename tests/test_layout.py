"""The house's layout: which app owns which command, and no import hidden in a function in the
kernel (core), members, billing, collaboratives, the pure package (spc) or the top layers (devdata,
bench); the collaboratives' tasks keep the names they were registered under before the app was
split.

The import contracts themselves are checked by `lint-imports` (pyproject.toml), which
`make test` runs before this suite."""

import ast
import os
import subprocess
import sys
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.management import get_commands

import collaboratives.tasks  # noqa: F401 - what Celery's autodiscovery imports

ROOT = Path(__file__).resolve().parent.parent


def test_demo_data_is_a_devdata_command_and_the_benchmark_is_not_installed():
    commands = get_commands()
    assert commands["seed_demo"] == "devdata"
    assert "bench_seed" not in commands  # only bench/settings.py installs the bench app
    assert not (ROOT / "core" / "management").exists()  # the kernel seeds nothing


def _manage(*args, settings_module):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module,
           "SECRET_KEY": "layout-test-key-0123456789abcdefghijklmnopqrstuvwxyz",
           "DEBUG": "false"}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False)


def test_bench_settings_install_bench_seed_and_the_portal_settings_do_not():
    bench = _manage("help", "bench_seed", settings_module="bench.settings")
    assert bench.returncode == 0, bench.stderr
    assert "--scale" in bench.stdout
    portal = _manage("help", "bench_seed", settings_module="ncsup.settings")
    assert portal.returncode != 0
    assert "Unknown command: 'bench_seed'" in portal.stderr


def _imports_inside_functions(path: Path) -> list[str]:
    """Imports inside a function body, except in an AppConfig's ready() (Django's hook for
    imports that need the app registry)."""
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name != "ready" or path.name != "apps.py")
            elif isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                found.append(f"{path.relative_to(ROOT)}:{child.lineno}")
            else:
                visit(child, in_function)

    visit(ast.parse(path.read_text(), str(path)), False)
    return found


def test_no_import_hides_in_a_function_in_core_members_billing_spc_devdata_or_bench():
    files = [path for package in ("core", "members", "billing", "spc", "devdata", "bench")
             for path in sorted((ROOT / package).rglob("*.py"))
             if "migrations" not in path.parts]
    assert len(files) > 40
    assert [hit for path in files for hit in _imports_inside_functions(path)] == []


def test_no_import_hides_in_a_function_in_collaboratives():
    """Its domains import each other at module level, downwards only (import-linter's layers
    see every one of them); WeasyPrint and spc too."""
    files = [path for path in sorted((ROOT / "collaboratives").rglob("*.py"))
             if "migrations" not in path.parts]
    assert len(files) > 40
    assert [hit for path in files for hit in _imports_inside_functions(path)] == []


def test_the_import_check_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    module = tmp_path / "services.py"
    module.write_text("import os\n\ndef f():\n    from core import tasks\n    return tasks\n")
    assert _imports_inside_functions(module) == ["services.py:4"]


def test_collaboratives_tasks_keep_their_registered_names_and_the_beat_schedule_finds_them():
    registered = set(current_app.tasks)
    assert {f"collaboratives.tasks.{name}" for name in (
        "convening_reminders_send", "convening_move_notify", "convening_cancellation_notify",
        "action_period_nudges_send", "change_package_pdf_render",
        "change_package_pdfs_render_pending")} <= registered
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= registered
