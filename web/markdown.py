"""Article bodies: markdown rendered by markdown-it-py, then sanitised by nh3.

Raw HTML in the source is escaped, and whatever comes out is cleaned again with an
allow-list: no scripts, no event handlers, no style, only http(s)/mailto links, and
every link gets rel="nofollow noopener". The article's title is the page's only `<h1>`,
so the body's headings start at `<h2>`. Images load only from https addresses or this
site (as the Content-Security-Policy allows); any other image becomes a link to it.
Fenced code in a known language is highlighted by Pygments on the server.
"""

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound


def _highlight(code: str, lang: str, _attrs: Any) -> str:
    """A fenced block in a language Pygments knows, as spans with its short token
    classes (coloured by the stylesheet, in both themes); others stay plain ("")."""
    try:
        lexer = get_lexer_by_name(lang.strip()) if lang.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""
    spans = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return f'<pre class="highlight"><code>{spans}</code></pre>\n'


_parser = MarkdownIt(
    "commonmark",
    {"html": False, "linkify": False, "typographer": True, "highlight": _highlight},
).enable(["table", "strikethrough"])

TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5",
    "h6", "hr", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul", "span",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
# Only the classes highlighting makes: a body can name no other.
CLASSES = {"pre": {"highlight"}, "span": {name for name in STANDARD_TYPES.values() if name}}


def _shift_headings(state: Any) -> None:
    """The body's top heading level becomes <h2> and the others keep their distance
    ("# A / ## B" and "## A / ### B" both give h2 / h3), so the order has no gaps."""
    headings = [t for t in state.tokens if t.type in ("heading_open", "heading_close")]
    if not headings:
        return
    shift = 2 - min(int(t.tag[1]) for t in headings)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


def _displayable(src: str) -> bool:
    try:
        parts = urlsplit(src)
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme == "https" and bool(parts.netloc)
    return not src.startswith("//")  # a path on this site


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if _displayable(src):
        return str(self.image(tokens, idx, options, env))
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{Markup.escape(src)}">{Markup.escape(alt)}</a>'


_parser.core.ruler.push("shift_headings", _shift_headings)
_parser.add_render_rule("image", _image)


def render_markdown(source: str) -> Markup:
    html = _parser.render(source)
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        allowed_classes=CLASSES,
        strip_comments=True,
    )
    return Markup(clean)
