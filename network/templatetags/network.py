from django import template

from network.markup import post_html

register = template.Library()


@register.filter
def post_body(post):
    """A post's body as safe HTML: plain text escaped, or the sanitised Markdown subset."""
    return post_html(post.body, post.markup)
