"""A creating form's one-time token (core/once.py), as a freshly shown form would carry it."""

from core.once import FIELD, form_token_new


def token(prefix: str = "") -> dict[str, str]:
    return {f"{prefix}-{FIELD}" if prefix else FIELD: form_token_new()}
