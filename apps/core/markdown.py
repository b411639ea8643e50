"""Markdown written by users, rendered to HTML that is safe to show.

Markdown allows raw HTML, so everything it produces goes through nh3 (an allow-list
sanitiser): only formatting tags survive, links get rel="noopener noreferrer nofollow"
and only http(s)/mailto URLs.
"""

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "hr",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def markdown_to_safe_html(text: str) -> SafeString:
    html = md.markdown(text or "", extensions=["sane_lists", "nl2br"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
