"""Rendered parts of pages, cached until a table they read is written.

A key page at national scale spends most of its time turning the same rows into the same HTML:
the collaborative home for a member, the roster for its lead, the triage list for a coach.
``fragment(...)`` renders such a part once and serves it from the cache until the data behind
it changes, with no list of "what this page depends on" to keep up to date by hand:

- **Reads are recorded.** While a fragment renders, every SQL statement it runs goes through
  an execute wrapper (installed on every database connection) that notes the tables named in
  its ``FROM`` and ``JOIN`` clauses, and each table's *generation* (a counter in the cache) the
  first time the fragment reads it, before the statement runs.
- **Writes are counted.** Every ``INSERT``, ``UPDATE`` and ``DELETE`` through Django (the ORM,
  bulk operations, raw cursors, Celery tasks, the admin) bumps its table's generation when it
  runs and again when its transaction commits: a page rendered in between, which could still see
  the old rows, is stale at the commit and renders again.
- **A hit** is one cache read for the fragment and one for its tables' generations; if any
  generation moved, the fragment renders again.

The key of a fragment holds what its render does not read from the database: the viewer (by
default), today's date (by default: "due in 3 days" changes at midnight), the request's filters
and page, and the release (templates and code change on deploy). A render function must read
everything it shows itself, inside the fragment: an object loaded before and passed in is not
recorded (pass its id and load it inside, or name its table in ``tables``).

Not for forms (their CSRF token is the visitor's) or anything with a CSP nonce: cache the
data around them. Tables written on almost every request (sessions, the cache table itself) are
not recorded; a fragment that shows them must not be cached.
"""

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.middleware.csrf import get_token
from django.template import loader
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# A day: an entry nobody asked for since is not worth keeping.
FRAGMENT_SECONDS = 24 * 60 * 60
_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE'
                    r'(?:\s+TABLE)?|REPLACE\s+INTO)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.I)
_READ = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?', re.I)
_local = threading.local()


def _untracked() -> set[str]:
    """Tables written on nearly every request, or by the cache itself."""
    tables = {"django_session"}
    location = settings.CACHES["default"].get("LOCATION")
    if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache") and location:
        tables.add(location)
    return tables


def _cache():
    """The fragment cache, or None when it is off (``settings.FRAGMENT_CACHE``)."""
    return caches[settings.FRAGMENT_CACHE] if settings.FRAGMENT_CACHE else None


def enabled() -> bool:
    return bool(settings.FRAGMENT_CACHE)


def _gen_key(table: str) -> str:
    return f"tablegen:{table}"


def table_generations(tables: Iterable[str]) -> dict[str, int | None]:
    tables = list(tables)
    found = _cache().get_many([_gen_key(table) for table in tables])
    return {table: found.get(_gen_key(table)) for table in tables}


def tables_bump(tables: Iterable[str]) -> None:
    """Move each table's generation on: every fragment that read one of them renders again.
    A generation that is missing (first write, or evicted) starts from the clock, so it can
    never come back to a value an old entry holds."""
    cache = _cache()
    if cache is None:
        return
    for table in set(tables):
        key = _gen_key(table)
        try:
            cache.incr(key)
        except ValueError:
            if not cache.add(key, time.time_ns(), timeout=None):
                cache.incr(key)


def _captures() -> list[dict]:
    if not hasattr(_local, "captures"):
        _local.captures = []
    return _local.captures


def _record_reads(sql: str) -> None:
    captures = _captures()
    if not captures:
        return
    tables = set(_READ.findall(sql)) - _untracked()
    innermost = captures[-1]
    new = [table for table in tables if table not in innermost]
    if new:
        innermost.update(table_generations(new))


def _commit_bump(connection, table: str) -> None:
    """Bump ``table`` again when the transaction commits, once however many rows it wrote."""
    marker = ("fragments", table)
    for _sids, func, _robust in connection.run_on_commit:
        if getattr(func, "marker", None) == marker:
            return
    bump = partial(tables_bump, [table])
    bump.marker = marker
    transaction.on_commit(bump, using=connection.alias)


def _wrapper(execute, sql, params, many, context):
    written = _WRITE.match(sql) if isinstance(sql, str) else None
    if written is None:
        if isinstance(sql, str) and _captures():
            _record_reads(sql)
        return execute(sql, params, many, context)
    result = execute(sql, params, many, context)
    table = written.group(1)
    if settings.FRAGMENT_CACHE and table not in _untracked():
        tables_bump([table])
        connection = context["connection"]
        if connection.in_atomic_block:
            _commit_bump(connection, table)
    return result


def _install(sender, connection, **kwargs):
    if _wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.append(_wrapper)


def install() -> None:
    """Watch every database connection, those already open and those to come (CoreConfig)."""
    connection_created.connect(_install, dispatch_uid="core.fragments.install")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


@contextmanager
def _capture():
    read: dict[str, int | None] = {}
    _captures().append(read)
    try:
        yield read
    finally:
        _captures().pop()
        if _captures():  # an outer fragment depends on what this one read
            for table, generation in read.items():
                _captures()[-1].setdefault(table, generation)


_release: str | None = None


def release() -> str:
    """What the portal's code and templates are (a hash of their contents, the same on every
    host of a release): a new release renders every fragment anew."""
    global _release
    if _release is None:
        base = Path(settings.BASE_DIR).resolve()
        roots = [Path(config.path) for config in apps.get_app_configs()
                 if Path(config.path).resolve().is_relative_to(base)]
        roots += [Path(directory) for engine in settings.TEMPLATES
                  for directory in engine.get("DIRS", [])]
        digest = hashlib.sha256()
        for root in sorted(set(roots)):
            for path in sorted(root.rglob("*")):
                if path.suffix in {".py", ".html", ".txt"} and path.is_file():
                    digest.update(str(path.relative_to(base)).encode())
                    digest.update(path.read_bytes())
        _release = digest.hexdigest()[:16]
    return _release


# Forms inside a fragment: rendered with this in place of the visitor's CSRF token, put back
# on the way out (``fragment(..., request=request)``), so a cached form still posts.
CSRF_PLACEHOLDER = "csrf-token-of-this-request-0f6b7c"


def render_to_string(template: str, context: dict, request) -> str:
    """``django.template.loader.render_to_string`` for a fragment: ``{% csrf_token %}`` writes
    the placeholder that ``fragment(..., request=request)`` replaces with this visitor's."""
    return loader.render_to_string(template, {**context, "csrf_token": CSRF_PLACEHOLDER},
                                   request=request)


def fragment(name: str, key: Iterable, render: Callable[[], str], *, viewer=None,
             per_viewer: bool = True, tables: Iterable[str] = (),
             period: int | None = None, request=None) -> SafeString:
    """``render()``'s HTML, from the cache while no table it read has been written since.

    ``key``: what else the HTML depends on (filters, page number, ids). ``viewer``: the person
    it is rendered for, part of the key unless ``per_viewer=False``. ``tables``: tables the HTML
    depends on that the render does not read itself (e.g. the viewer's own row). ``period``:
    seconds after which it renders anew whatever the data, for a render that compares rows with
    the clock ("events not over yet"); without it, the day is the period. ``request``: the
    fragment holds forms rendered with ``render_to_string`` above; their CSRF token is put in."""
    html = _fragment(name, key, render, viewer=viewer, per_viewer=per_viewer, tables=tables,
                     period=period)
    if request is not None and CSRF_PLACEHOLDER in html:
        html = mark_safe(html.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308
    return html


def _fragment(name, key, render, *, viewer, per_viewer, tables, period) -> SafeString:
    return mark_safe(cached(name, key, lambda: str(render()), viewer=viewer,  # noqa: S308
                            per_viewer=per_viewer, tables=tables, period=period))


def cached(name: str, key: Iterable, compute: Callable, *, viewer=None, per_viewer: bool = True,
           tables: Iterable[str] = (), period: int | None = None):
    """``compute()``'s value (anything the cache can store), kept like a fragment: until a table
    it read is written. ``fragment`` is this for HTML."""
    cache = _cache()
    if cache is None:
        return compute()
    parts = [release(), get_language(), timezone.localdate().isoformat(), *map(str, key)]
    if period:
        parts.append(f"period={int(time.time()) // period}")
    if per_viewer:
        if viewer is None:
            raise ValueError("A fragment rendered per viewer needs the viewer (request.user).")
        parts.append(f"viewer={viewer.pk}")
    entry_key = "fragment:" + name + ":" + hashlib.sha256(
        "\x1f".join(parts).encode()).hexdigest()
    entry = cache.get(entry_key)
    if entry is not None:
        generations = entry["generations"]
        if table_generations(generations) == generations:
            if _captures():
                for table, generation in generations.items():
                    _captures()[-1].setdefault(table, generation)
            return entry["value"]
    extra = list(tables)
    with _capture() as read:
        if extra:
            read.update(table_generations(extra))
        value = compute()
    cache.set(entry_key, {"generations": read, "value": value}, FRAGMENT_SECONDS)
    return value
