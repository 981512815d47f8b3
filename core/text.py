"""Sentences built from parts: a message that already ends a sentence gets no second stop."""

_STOPS = (".", "?", "!", "…")


def sentence(text: str) -> str:
    """``text`` with a full stop at the end, unless it already ends with one, a question mark or
    an exclamation mark: a question built into a message keeps its question mark alone."""
    text = str(text).rstrip()
    if not text or text.endswith(_STOPS):
        return text
    return f"{text}."
