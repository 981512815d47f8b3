"""A value kept in the cache under a key made from cheap reads of everything it is drawn from
(rows' counts and last-changed stamps, or the inputs themselves): any change to an input gives
a new key, so a kept value is never stale, only unused.

A stamp alone cannot see one race: a transaction that stamped its rows a moment before another
one, and commits after it, leaves the newest stamp where it was. So a value whose newest stamp
is younger than ``settle_seconds`` is built but not kept: by then every transaction that
stamped earlier has long committed."""

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def moment(value) -> datetime | None:
    """A stamp as the database returned it to a raw query (SQLite: text), made aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value, UTC)
    return value


def kept(name: str, inputs: dict[str, Any], build: Callable[[], Any], *, seconds: int,
         settle_seconds: int) -> tuple[Any, str]:
    """``build()`` kept under a key of ``name`` and ``inputs`` (every input of the value: the
    stamps among them are named ``*_at``), with that key. Read afresh on a miss; kept unless a
    stamp is younger than ``settle_seconds``."""
    digest = hashlib.sha256(repr(sorted(inputs.items())).encode()).hexdigest()
    key = f"{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        stamps = [moment(v) for k, v in inputs.items() if k.endswith("_at") and v is not None]
        if not stamps or max(stamps) < timezone.now() - timedelta(seconds=settle_seconds):
            cache.set(key, value, seconds)
    return value, key
