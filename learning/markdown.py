"""Lesson text: a safe Markdown subset (headings, paragraphs, lists, links, emphasis, quotes),
rendered with markdown-it-py with raw HTML off, then sanitised by nh3 so nothing else gets
through whatever the author typed."""

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable(["image"])  # an image is shown as its text: lessons carry no remote content

TAGS = {"h2", "h3", "h4", "p", "ul", "ol", "li", "a", "em", "strong", "blockquote", "code",
        "pre", "br", "hr"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
SCHEMES = {"http", "https", "mailto"}


def lesson_html(text: str) -> str:
    """Markdown → sanitised HTML. ``#`` headings become ``##`` (the page has its own h1)."""
    html = _md.render(text or "").replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    html = html.replace("<h5>", "<h4>").replace("</h5>", "</h4>")
    html = html.replace("<h6>", "<h4>").replace("</h6>", "</h4>")
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                     link_rel="noopener noreferrer nofollow")
