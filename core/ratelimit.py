"""Fixed-window rate limits kept in the shared cache (Redis in production), so they hold across
processes and replicas. Limits live in ``settings.RATE_LIMITS`` as "count/period" (s, m, h, d).
"""

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse(rate: str) -> tuple[int, int]:
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period]


def client_ip(request) -> str:
    header = settings.RATE_LIMIT_CLIENT_IP_HEADER
    if header and request.META.get(header):
        # The proxy in front of us appends the client's address; take the last hop it added.
        return request.META[header].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def hit(request, action: str) -> bool:
    """Count one use of ``action`` by this person (or address). False once over the limit."""
    limit, period = _parse(settings.RATE_LIMITS[action])
    who = f"u{request.user.pk}" if request.user.is_authenticated else f"ip{client_ip(request)}"
    window = int(time.time() // period)
    key = f"ratelimit:{action}:{who}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=period + 1)
        used = 1
    return used <= limit


def ratelimit(action: str, methods=("POST",)):
    """Refuse with 429 once ``action`` is used more often than its limit allows."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and not hit(request, action):
                return render(request, "429.html", {"action": action}, status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
