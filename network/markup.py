"""Posts as plain text or a safe Markdown subset: markdown-it-py renders (raw HTML off, no
images), nh3 keeps only the tags below (links get rel="nofollow noopener" and only http, https
and mailto). A post's ``<script>`` shows as text either way."""

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "blockquote", "h3",
        "h4", "hr"}
ATTRIBUTES = {"a": {"href", "title"}}
SCHEMES = {"http", "https", "mailto"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable(
    ["image", "html_block", "html_inline"])


def markdown_html(text: str) -> SafeString:
    html = _markdown.render(text)
    # Headings deeper than the page's own: a post's "# Title" is an h3.
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    cleaned = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes=SCHEMES,
                        link_rel="nofollow noopener")
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 just above)


def text_html(text: str) -> SafeString:
    return mark_safe(linebreaks(escape(text)))  # noqa: S308 (escaped just here)


def post_html(body: str, markup: str) -> SafeString:
    return markdown_html(body) if markup == "markdown" else text_html(body)
