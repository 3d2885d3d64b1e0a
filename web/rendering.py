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

from flask import Flask, Response, g, get_flashed_messages, get_template_attribute, make_response
from flask import render_template as render_page
from flask_htmx import HTMX
from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader
from jinja2_fragments.flask import render_block

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
        status_region = get_template_attribute("components/status_region.html", "status_region")
        body = render_block(template, block, **context) + str(
            status_region(status_messages(), oob=True)
        )
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_component(name: str, *args: Any, status: int = 200, **kwargs: Any) -> Response:
    """Answer with one component (the macro in components/<name>.html), e.g. an inline check."""
    macro = get_template_attribute(f"components/{name}.html", name)
    response = make_response(str(macro(*args, **kwargs)), status)
    response.vary.add("HX-Request")
    return response
