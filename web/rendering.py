"""One way to answer with HTML: a full page, or one block of that same page for htmx.

A page template wraps each swappable region's content in a block named like the
element's id (`<section id="feed">{% block feed %}…{% endblock %}</section>`). An htmx
request that targets one of those ids gets only that block, rendered by
jinja2-fragments from the same template, so page and fragment cannot drift apart.
"""

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    g,
    get_flashed_messages,
    get_template_attribute,
    make_response,
    request,
)
from flask import render_template as render_page
from flask_htmx import HTMX
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from jinja2_fragments.flask import render_block
from markupsafe import Markup

ROOT = Path(__file__).resolve().parent.parent

htmx = HTMX()

# htmx 2 configuration, sent in the `htmx-config` meta tag (no inline script under our CSP).
HTMX_CONFIG: dict[str, Any] = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    # History misses re-fetch a full page: never answer them with a fragment.
    "historyRestoreAsHxRequest": False,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        # Validation errors re-render the form; other errors send a small message fragment.
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
    ],
}


def init_app(app: Flask) -> None:
    htmx.init_app(app)
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(Path(__file__).parent / "templates"),
            PrefixLoader({"components": FileSystemLoader(ROOT / "components")}),
        ]
    )
    app.jinja_env.globals["htmx_config"] = HTMX_CONFIG
    app.jinja_env.globals["status_messages"] = status_messages
    app.jinja_env.globals["here"] = here
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["isodate"] = format_isodate


def format_date(value: datetime) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def format_isodate(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page.

    Boosted navigation and history restores replace the whole page, so they get it.
    """
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def announce(message: str) -> None:
    """Queue a message for the page's status region in this response (not persisted)."""
    g.setdefault("announcements", []).append(message)


def status_messages() -> list[str]:
    """Flashed messages from earlier requests, then this response's announcements."""
    return [*get_flashed_messages(), *g.get("announcements", [])]


def here() -> str:
    """The local URL of the page the reader is on (for "come back here" after a POST).

    A GET is that page; an htmx POST names it in HX-Current-URL.
    """
    if request.method == "GET":
        return request.full_path.rstrip("?")
    current = urlsplit(htmx.current_url or "")
    if current.netloc and current.netloc != request.host:
        return "/"
    return (current.path or "/") + (f"?{current.query}" if current.query else "")


def component(name: str, *args: Any, **kwargs: Any) -> Markup:
    """Render one component: the macro named like the file components/<name>.html."""
    return Markup(get_template_attribute(f"components/{name}.html", name)(*args, **kwargs))


def _with_status(body: str) -> str:
    """Append pending status messages, out-of-band, to a partial response.

    `body` is rendered template output (trusted HTML), so it is not escaped again.
    """
    messages = status_messages()
    status = component("status_region", messages, oob=True) if messages else ""
    return str(Markup(body) + status)


def render(
    template: str,
    *,
    parts: Iterable[str] = (),
    fragment: str | None = None,
    status: int = 200,
    **context: Any,
) -> Response:
    """Render `template` as a full page, or only the block an htmx request asks for.

    `parts` names the blocks an htmx request may target (block name == element id);
    `fragment` names a block sent for any partial request, whatever its target.
    Partial responses also carry pending status messages out-of-band.
    """
    block = None
    if wants_fragment():
        block = fragment or (htmx.target if htmx.target in set(parts) else None)
    if block is None:
        body = render_page(template, **context)
    else:
        body = _with_status(render_block(template, block, **context))
    return _response(body, status)


def fragment_response(html: str, *, status: int = 200) -> Response:
    """Answer an htmx request with ready-made component HTML (plus status messages)."""
    return _response(_with_status(html), status)


def render_component(name: str, *args: Any, status: int = 200, **kwargs: Any) -> Response:
    """Answer with one component, e.g. an inline check or a swapped button."""
    return fragment_response(component(name, *args, **kwargs), status=status)


def _response(body: str, status: int) -> Response:
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
