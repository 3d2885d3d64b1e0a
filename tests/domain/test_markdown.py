"""Article bodies are rendered from markdown and sanitised: a corpus of XSS payloads."""

import re
from html.parser import HTMLParser

import pytest

from web.markdown import render_markdown

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml,<svg onload=alert(1)>)",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>script>alert(1)<</script>/script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[x](vbscript:msgbox(1))",
    "<details open ontoggle=alert(1)>",
    '<p onclick="alert(1)">hi</p>',
    '[x](https://ok.example "title\\" onmouseover=\\"alert(1)")',
    "<!-- <script>alert(1)</script> -->",
    "<form action=https://evil.example><button>go</button></form>",
]


class Elements(HTMLParser):
    """The elements and attributes a browser would build (text stays text)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


SAFE_TAGS = {"p", "a", "img", "code", "pre", "em", "strong", "table", "tr", "td", "br"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_script_no_handlers_no_dangerous_urls(payload):
    html = str(render_markdown(f"Before\n\n{payload}\n\nAfter"))
    for tag, attrs in Elements(html).found:
        assert tag in SAFE_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in ("href", "src"):
                assert (value or "").strip().lower().startswith(("https:", "http:", "mailto:")), (
                    html
                )


def test_markdown_features_survive():
    html = str(
        render_markdown(
            "## Title\n\n**bold** _em_ `code`\n\n- a\n- b\n\n> quote\n\n"
            "```python\nprint(1)\n```\n\n[link](https://example.com)\n\n![pic](https://example.com/p.png)"
        )
    )
    for fragment in [
        "<h2>Title</h2>",
        "<strong>bold</strong>",
        "<em>em</em>",
        "<code>code</code>",
        "<li>a</li>",
        "<blockquote>",
        '<pre class="highlight"><code><span class="nb">print</span>',
        '<img src="https://example.com/p.png" alt="pic">',
    ]:
        assert fragment in html


def test_links_get_nofollow_noopener():
    html = str(render_markdown("[site](https://example.com)"))
    assert re.search(r'<a href="https://example.com" rel="[^"]*nofollow[^"]*"', html)
    assert "noopener" in html


def test_raw_html_is_shown_as_text():
    assert "&lt;b&gt;bold?&lt;/b&gt;" in str(render_markdown("<b>bold?</b>"))


@pytest.mark.parametrize(
    ("source", "headings"),
    [
        ("# A\n\n## B\n\n### C", ["h2", "h3", "h4"]),  # the title is the page's only h1
        ("## A\n\n### B", ["h2", "h3"]),  # no gap after the title's h1
        ("### A\n\n#### B\n\n### C", ["h2", "h3", "h2"]),
        ("# A\n\n###### Z", ["h2", "h6"]),  # never past h6
        ("Plain text", []),
    ],
)
def test_headings_start_at_h2_and_keep_their_order(source, headings):
    html = str(render_markdown(source))
    assert re.findall(r"<(h[1-6])>", html) == headings


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("![cat](https://example.com/c.png)", '<img src="https://example.com/c.png" alt="cat">'),
        ("![local](/static/img/avatar.svg)", '<img src="/static/img/avatar.svg" alt="local">'),
        # Not loadable under the CSP (https or this site only): a link instead of an image.
        ("![cat](http://example.com/c.png)", '<a href="http://example.com/c.png" rel='),
        ("![](//example.com/c.png)", '<a href="//example.com/c.png"'),
    ],
)
def test_images_show_only_from_https_or_this_site(source, expected):
    html = str(render_markdown(source))
    assert expected in html
    if "<a " in expected:
        assert "<img" not in html


def test_fenced_code_in_a_known_language_is_highlighted_on_the_server():
    html = str(render_markdown('```python\ndef greet(name):\n    return "<b>hi</b>"  # ok\n```'))
    assert html.startswith('<pre class="highlight"><code>')
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">greet</span>' in html
    assert '<span class="s2">"&lt;b&gt;hi&lt;/b&gt;"</span>' in html  # still escaped
    assert '<span class="c1"># ok</span>' in html


def test_unknown_languages_stay_plain_and_bodies_cannot_borrow_classes():
    html = str(render_markdown("```klingon\n<b>x</b>\n```"))
    assert html == "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n"
    # Raw HTML is never passed through, so no class reaches the page but highlighting's.
    assert "<span" not in str(render_markdown('<span class="k">x</span> `code`'))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Alone in its paragraph: a figure, captioned by its title (said once: no title)...
        ('![A cat](https://example.com/c.png "Our cat, 2024")',
         '<figure><img src="https://example.com/c.png" alt="A cat">'
         "<figcaption>Our cat, 2024</figcaption></figure>"),
        # ...or by its alt, which screen readers have read already.
        ("![A cat](/static/c.png)",
         '<figure><img src="/static/c.png" alt="A cat">'
         '<figcaption aria-hidden="true">A cat</figcaption></figure>'),
        # Within text it stays an image; an image that cannot show stays a link.
        ("See ![A cat](https://example.com/c.png) here",
         '<p>See <img src="https://example.com/c.png" alt="A cat"> here</p>'),
        ("![A cat](http://example.com/c.png)",
         '<p><a href="http://example.com/c.png" rel="nofollow noopener noreferrer">A cat</a></p>'),
        # A caption is text: markup in a title or alt is escaped.
        ('![<b>x</b>](https://example.com/c.png "<i>t</i>")',
         '<figure><img src="https://example.com/c.png" alt="&lt;b&gt;x&lt;/b&gt;">'
         "<figcaption>&lt;i&gt;t&lt;/i&gt;</figcaption></figure>"),
    ],
)  # fmt: skip
def test_an_image_alone_is_a_captioned_figure(source, expected):
    assert str(render_markdown(source)).strip() == expected
