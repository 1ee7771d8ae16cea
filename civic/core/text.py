"""Rich text: Markdown rendered with markdown-it-py and cleaned with nh3 every time it is shown."""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default" disables raw HTML and refuses javascript:/vbscript:/data: links; nh3 is the second fence.
_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")

_ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}, "ol": {"start"}}


def render_markdown(source: str | None) -> Markup:
    """Markdown to safe HTML: no scripts, no event handlers, only http(s)/mailto links; headings start at
    h2."""
    if not source:
        return Markup("")
    html = _markdown.render(source)
    # The page owns h1: demote authors' top-level headings so the outline stays valid.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
    return Markup(cleaned)


def plain_excerpt(source: str | None, limit: int = 220) -> str:
    """A short plain-text excerpt of Markdown, for lists and meta descriptions."""
    if not source:
        return ""
    text = nh3.clean(_markdown.render(source), tags=set()).strip()
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
