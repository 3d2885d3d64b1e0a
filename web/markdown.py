"""Article bodies: markdown rendered by markdown-it-py, then sanitised by nh3.

Raw HTML in the source is escaped, and whatever comes out is cleaned again with an
allow-list: no scripts, no event handlers, no style, only http(s)/mailto links, and
every link gets rel="nofollow noopener". The article's title is the page's only `<h1>`,
so the body's headings start at `<h2>`. Images load only from https addresses or this
site (as the Content-Security-Policy allows); any other image becomes a link to it. An
image alone in its paragraph is a figure, captioned by its title, or else by its alt text
(that caption is hidden from screen readers, which read the alt already).
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
    "thead", "tr", "ul", "span", "figure", "figcaption",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "figcaption": {"aria-hidden"},
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


def _figures(state: Any) -> None:
    """A paragraph holding one displayable image and nothing else becomes a <figure>."""
    tokens = state.tokens
    for opening, inline, closing in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if opening.type != "paragraph_open" or closing.type != "paragraph_close":
            continue
        children = inline.children or []
        if len(children) == 1 and children[0].type == "image":
            image = children[0]
            if _displayable(str(image.attrGet("src") or "")):
                opening.tag = closing.tag = "figure"
                image.meta["figure"] = True


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if _displayable(src):
        if not token.meta.get("figure"):
            return str(self.image(tokens, idx, options, env))
        title = str(token.attrGet("title") or "")
        if title:  # said once, by the caption
            token.attrs.pop("title")
        html = str(self.image(tokens, idx, options, env))
        alt = self.renderInlineAsText(token.children or [], options, env)
        if title:
            return f"{html}<figcaption>{Markup.escape(title)}</figcaption>"
        if alt:
            return f'{html}<figcaption aria-hidden="true">{Markup.escape(alt)}</figcaption>'
        return html
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{Markup.escape(src)}">{Markup.escape(alt)}</a>'


_parser.core.ruler.push("shift_headings", _shift_headings)
_parser.core.ruler.push("figures", _figures)
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
