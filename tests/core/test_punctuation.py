"""No message string or template in the project ends a sentence twice ("?.", "!.", "..")."""

import io
import re
import tokenize
from pathlib import Path

from core.text import sentence

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "members", "billing", "collaboratives", "ncsup")
DOUBLED = re.compile(r"[?!]\.(?![\w/])|(?<![.\w/])\.\.(?![./\w])|[?!]{2}")


def _python_strings():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            for token in tokenize.generate_tokens(io.StringIO(source).readline):
                if token.type == tokenize.STRING or token.type == getattr(
                        tokenize, "FSTRING_MIDDLE", -1):
                    yield f"{path.relative_to(ROOT)}:{token.start[0]}", token.string


def test_no_python_string_has_doubled_punctuation():
    found = [(where, text) for where, text in _python_strings()
             if DOUBLED.search(text) and not text.lstrip("rbuf").startswith(('"""', "'''"))]
    assert found == []


def test_no_template_has_doubled_punctuation():
    found = []
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".txt"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                text = re.sub(r"{[{%#].*?[}%#]}", "", line)  # the words, not the tags
                if DOUBLED.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_a_sentence_built_from_parts_ends_once():
    assert sentence("Line 2: the period “1800-01-01” is before 2000; is the year mistyped?") == (
        "Line 2: the period “1800-01-01” is before 2000; is the year mistyped?")
    assert sentence("The value “x” is not a number") == "The value “x” is not a number."
    assert sentence("Done.") == "Done."
    assert sentence("Stop!") == "Stop!"
    assert sentence("") == ""
