"""One way to answer with HTML: a full page, or the pieces of it an htmx request asked for.

- `render(template, parts=...)` answers a plain request, a boosted navigation or a
  history restore with the whole page. An htmx request that targets one of `parts`
  (a block named like the element's id: `<section id="feed">{% block feed %}`) gets only
  that block, rendered by jinja2-fragments from the same template, so page and fragment
  cannot drift apart. A GET that swaps a region changes what the page is, so its answer
  also carries the page's `<title>` (htmx applies it) and, when the reader moves to
  another page, the main navigation (its `aria-current`).
- `respond(main, oob=...)` answers an action (favorite, follow, comment): `main` replaces
  the element the request targets, each `oob` piece replaces the element with its id
  (the piece carries `hx-swap-oob`), so every count and label derived from the action
  changes in the same response. `render` sends its blocks through it too.
- Either way, pending messages are announced once through the page's status region
  (out-of-band), and every answer whose shape depends on `HX-Request` sends
  `Vary: HX-Request`. Errors are answered by `web.http.errors` with the same pieces.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from babel.dates import format_date as babel_date
from flask import (
    Flask,
    Response,
    current_app,
    g,
    get_flashed_messages,
    make_response,
    request,
)
from flask import render_template as render_page
from flask_babel import format_datetime, format_number, get_locale, gettext
from flask_htmx import HTMX
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from web import bounds
from web.http.site import here_absolute
from web.pictures import is_picture_url

PACKAGE = Path(__file__).resolve().parent.parent  # web/


def _folder(name: str) -> Path:
    """components/ and static/ sit beside web/ in the repository, inside it once installed."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


COMPONENTS = _folder("components")
STATIC = _folder("static")

htmx = HTMX()

# htmx 2 configuration, sent in the `htmx-config` meta tag (no inline script under our CSP).
HTMX_CONFIG: dict[str, Any] = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    # Back and Forward ask for the page as it is now (its counts, pressed buttons and
    # reading list), never a snapshot of it as it was: no history is kept in the tab...
    "historyCacheSize": 0,
    # ...and the page is asked for whole: never answer it with a fragment.
    "historyRestoreAsHxRequest": False,
    # Settling copies `style` attributes, which the CSP forbids: settle classes only.
    "attributesToSettle": ["class", "width", "height"],
    "responseHandling": [
        {"code": "204", "swap": False},
        # Every answer is made for where it lands: validation errors re-render the form,
        # other errors send a small message (web.http.errors), so all of them are swapped.
        {"code": "[2345]..", "swap": True},
    ],
}


@dataclass(frozen=True)
class Message:
    """A line for the status region; `error` ones are styled (and kept) as problems."""

    text: str
    error: bool = False


class Component:
    """A component as a template global: `{{ avatar(...) }}` anywhere, with no import.

    Where templates reload (development), the macro is looked up on each call, so an
    edited component reloads like any template; elsewhere it is looked up once.
    """

    def __init__(self, app: Flask, name: str) -> None:
        self.env = app.jinja_env
        self.path = f"components/{name}.html"
        self.name = name
        self.macro: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Markup:
        macro = self.macro
        if macro is None:
            macro = getattr(self.env.get_template(self.path).module, self.name)
            if not self.env.auto_reload:
                self.macro = macro
        return Markup(macro(*args, **kwargs))


def init_app(app: Flask) -> None:
    htmx.init_app(app)
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(PACKAGE / "templates"),
            PrefixLoader({"components": FileSystemLoader(COMPONENTS)}),
        ]
    )
    for path in sorted(COMPONENTS.glob("*.html")):
        app.jinja_env.globals[path.stem] = Component(app, path.stem)
    app.jinja_env.globals["htmx_config"] = HTMX_CONFIG
    app.jinja_env.globals["status_messages"] = status_messages
    app.jinja_env.globals["here"] = here
    app.jinja_env.globals["current_path"] = current_path
    app.jinja_env.globals["canonical_url"] = canonical_url
    app.jinja_env.globals["bounds"] = SimpleNamespace(**bounds.as_dict())
    app.jinja_env.tests["picture_url"] = is_picture_url
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["number"] = format_number  # 5,000 / 5 000 / 5.000
    app.jinja_env.filters["isodate"] = format_isodate
    app.jinja_env.filters["moment"] = format_moment


def canonical_url() -> str:
    """This page's one address for search engines and sharing: absolute, with only the
    query parameters that choose what it shows (none of them empty)."""
    query = urlencode([(name, value) for name, value in request.args.items(multi=True) if value])
    return here_absolute() + (f"?{query}" if query else "")


def format_date(value: datetime) -> str:
    """A day as the reader's language writes it: "November 23, 2026", "23 novembre 2026"
    (times are UTC)."""
    return _long_date(value.date(), str(get_locale()))


@lru_cache(maxsize=8192)
def _long_date(day: date, language: str) -> str:
    return babel_date(day, "long", locale=language)  # every preview shows one: kept


def format_moment(value: datetime) -> str:
    """A day and its time, as the reader's language writes them, in UTC (a log's entries)."""
    return f"{format_datetime(value, 'medium')} UTC"


def format_isodate(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page.

    Boosted navigation and history restores replace the whole page, so they get it.
    """
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def target() -> str | None:
    """The id of the element a partial htmx request swaps (None for whole pages)."""
    return htmx.target if wants_fragment() else None


def announce(message: str, *, error: bool = False) -> None:
    """Queue a message for the page's status region in this response (not persisted)."""
    g.setdefault("announcements", []).append(Message(message, error))


def page_of(name: str, page: Any) -> str:
    """Where a reader landed in a paged list: "Global feed, page 2 of 9"."""
    return gettext(
        "%(list)s, page %(number)s of %(pages)s", list=name, number=page.number, pages=page.pages
    )


def status_messages() -> list[Message]:
    """Flashed messages from earlier requests, then this response's announcements."""
    pairs = cast(list[tuple[str, str]], get_flashed_messages(with_categories=True))
    flashed = [Message(text, category == "error") for category, text in pairs]
    return [*flashed, *g.get("announcements", [])]


def current_url() -> str | None:
    """The local URL (path and query) of the page an htmx request was made from.

    None when the request does not say, or names another site or a malformed URL.
    """
    return local_part(htmx.current_url if htmx else None)


def local_part(url: str | None) -> str | None:
    """The path and query of `url` when it names a page of this site (no host, or this
    request's), else None: another site's, or malformed."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[" from a hand-made request
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def current_path() -> str:
    """The path of the page being rendered (the navigation marks its own link)."""
    return request.path


def here() -> str:
    """The local URL of the page the reader is on (for "come back here" after a POST).

    A GET is that page; an htmx POST names it in HX-Current-URL.
    """
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return current_url() or "/"


def component(name: str, *args: Any, **kwargs: Any) -> Markup:
    """Render one component: the macro named like the file components/<name>.html."""
    macro = cast(Callable[..., str], current_app.jinja_env.globals[name])
    return Markup(macro(*args, **kwargs))


def render(
    template: str,
    *,
    parts: Iterable[str] = (),
    status: int = 200,
    oob: Iterable[Markup] = (),
    **context: Any,
) -> Response:
    """Render `template` as a full page, or only the block an htmx request asks for.

    `parts` names the blocks an htmx request may target (block name == element id);
    `oob` pieces go out-of-band with a block (a full page has them in place already).
    """
    block = target()
    if block is None or block not in set(parts):
        return _response(render_page(template, **context), status)
    pieces = [Markup(render_block(template, block, **context))]
    if request.method == "GET":
        # The swap shows another view: the page's title follows it, and so does the
        # navigation when the reader moved to another page (e.g. searching from home).
        title = Markup(render_block(template, "title", **context))
        pieces.insert(0, Markup("<title>%s</title>") % title)
        previous = current_url()
        if previous is not None and urlsplit(previous).path != request.path:
            pieces.append(layout_block("nav", oob=True))
    return respond(Markup("").join(pieces), oob=oob, status=status)


def layout_block(name: str, **context: Any) -> Markup:
    """A block of the layout every page shares (base.html), e.g. the navigation."""
    return Markup(render_block("base.html", name, **context))


def respond(
    main: Markup | str = "",
    *,
    oob: Iterable[Markup] = (),
    status: int = 200,
    reswap: str | None = None,
) -> Response:
    """Answer a partial htmx request: `main` for the target, `oob` pieces out-of-band,
    and pending messages in the status region. `reswap="none"` leaves the target as it
    is (an error about an action: only the message changes)."""
    body = Markup(main) + Markup("").join(oob)
    messages = status_messages()
    if messages:
        body += component("status_region", messages, oob=True)
    response = _response(str(body), status)
    if reswap is not None:
        response.headers["HX-Reswap"] = reswap
    return response


def _response(body: str, status: int) -> Response:
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
