"""Pages and API reads, rendered once and served again until the next write.

A GET for a cacheable page is answered from the cache when the same page, in the same
shape (htmx headers), in the same language, for the same reader was rendered since the
site's last write (web.caching.generation's generation; every write that changes what pages show
moves it on, a member's reading list included). "The same reader" is:

- a visitor: their session as it stands (a theme chosen, a language), so visitors
  with the same choices share the page;
- a member: their account row as loaded for this request (a sign-in that ended loads
  nothing, and is never served) and their session; one member's pages are never
  served to anyone else.

Nobody with a message waiting, an API token, a visitor's reading list or a sign-in
being restored from the remember-me cookie is served from, nor stored in, the cache.
The personal things a page holds are stored as placeholders and made afresh for each
answer: the session's CSRF token, and the one-time tokens of creating forms (the
comment box) so that no two answers ever share one.

Visitors' answers carry an ETag: a browser revalidating gets a 304. Pages say
`Cache-Control: private, no-cache` (each holds a session's token, so no shared cache
may keep them); members' pages say `private, no-store`. API answers keep the strong
ETag and Cache-Control web.api.conditions gave them. An answer with nothing of anyone's
own in it (no session, no token) is also handed to web.caching.replay, which gives it again
before the app runs.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy import inspect as sa_inspect
from werkzeug.wrappers import Response

from web.caching.generation import generation, store
from web.caching.replay import MARK
from web.http.auth import current_member
from web.http.forms import issued, issued_token
from web.http.sessions import KEEPS_NOTHING
from web.infra import metrics
from web.models import User
from web.reading_list import SESSION_KEY

PLACEHOLDER = "\x00csrf-token\x00"  # NUL never reaches a page: it cannot collide
ONCE = "\x00once\x00"
CONDITIONS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_RANGE")
SHAPE_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")
KEPT_HEADERS = (
    "Content-Type", "Vary", "Cache-Control", "Link",
    "HX-Push-Url", "HX-Replace-Url", "HX-Reswap",
)  # fmt: skip
V = TypeVar("V", bound=Callable[..., Any])


def served_again(view: V) -> V:
    """Mark a read whose answer is the same for every reader with the same choices: it
    is kept and served again until the next write (opt-in, on the view itself)."""
    view.served_again = True  # type: ignore[attr-defined]  # a mark, read with getattr
    return view


def _served_again(endpoint: str | None) -> bool:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "served_again", False)


# A member's page depends on what the account shows (name, picture, language, theme...):
# the key holds those columns, never the secrets.
ACCOUNT_AS_SHOWN = tuple(
    column.key
    for column in sa_inspect(User).columns
    if column.key not in {"password_hash", "token_epoch", "kept_token"}
)


def init_app(app: Flask) -> None:
    app.before_request(_serve)
    app.after_request(_keep)


def _session_state() -> tuple[tuple[str, str], ...]:
    """What the session holds that a page may show (its CSRF token is filled in apart;
    sign-in bookkeeping shows nothing)."""
    return tuple(sorted((k, repr(v)) for k, v in session.items() if k not in KEEPS_NOTHING))


def _reader() -> tuple[Any, ...] | None:
    """Who the page is for, as far as it can show (see above), or None: render it."""
    if "_flashes" in session or "Authorization" in request.headers:
        return None
    mine = _session_state()
    if "_user_id" not in session:
        if SESSION_KEY in session or "remember_token" in request.cookies:
            return None  # their reading list shows on every page; a sign-in is coming
        return ("visitor", mine)
    member = current_member()
    if member is None:
        return None
    return ("member", tuple(getattr(member, name) for name in ACCOUNT_AS_SHOWN), mine)


def _key() -> tuple[Any, ...] | None:
    if request.method not in ("GET", "HEAD") or not _served_again(request.endpoint):
        return None
    now = generation()  # read before anything the page shows
    if now is None:
        return None
    reader = _reader()
    if reader is None:
        return None
    shape = tuple(request.headers.get(name, "") for name in SHAPE_HEADERS)
    current = request.headers.get("HX-Current-URL", "") if shape[0] else ""
    where = (request.scheme, request.host, request.path, request.query_string)
    language = str(get_locale())  # the browser's, or the reader's choice
    return (now, "page", where, shape, current, language, reader)


def _serve() -> Response | None:
    key = _key()
    if key is None:
        return None
    g.page_key = key
    found = store().get(key)
    if found is None:
        metrics.PAGE_MISS.inc()
        return None
    metrics.PAGE_HIT.inc()
    status, headers, body, etag, weak = found
    response = current_app.response_class(status=status, headers=headers)
    g.page_served = True
    if etag is not None:  # a visitor's page: it may be the copy the browser holds
        response.set_etag(etag, weak=weak)
        _may_replay(key, body)
        if _conditional() and response.make_conditional(request).status_code == 304:
            return response  # no body: no token made for it
    response.set_data(with_token(body))
    return response


def _conditional() -> bool:
    """True when the request asks for an answer only if it changed (werkzeug then
    compares; otherwise there is nothing to compare, and gunicorn dates the answer)."""
    environ = request.environ
    return any(name in environ for name in CONDITIONS)


def without_token(html: str) -> str:
    """`html` with this request's CSRF and one-time tokens replaced by placeholders."""
    token = g.get("csrf_token")  # Flask-WTF keeps the request's token there
    if token:
        html = html.replace(token, PLACEHOLDER)
    for once in issued():
        html = html.replace(once, ONCE)
    return html


def with_token(html: str) -> str:
    """`html` with the placeholders filled: this reader's CSRF token, new one-time tokens."""
    if PLACEHOLDER in html:
        html = html.replace(PLACEHOLDER, generate_csrf())
    if ONCE in html:
        parts = html.split(ONCE)
        html = parts[0] + "".join(issued_token() + part for part in parts[1:])
    return html


def _keep(response: Response) -> Response:
    key = g.get("page_key")
    member = "_user_id" in session
    if member:  # a member's page, whatever it is: never kept by a browser or a proxy
        response.headers["Cache-Control"] = "private, no-store"
    if key is None or g.get("page_served") or response.status_code != 200:
        if key is not None and not member:
            response.headers.setdefault("Cache-Control", "private, no-cache")
        return response
    if response.direct_passthrough or response.mimetype not in ("text/html", "application/json"):
        return response
    if key[-1][-1] != _session_state():
        return response  # the request changed the session: the page is not the key's
    body = without_token(response.get_data(as_text=True))
    if member:
        headers = [(k, v) for k, v in response.headers.items() if k in KEPT_HEADERS]
        store().put(key, (response.status_code, headers, body, None, False))
        return response
    # An API answer brings its strong ETag (web.api.conditions); a page's bytes vary
    # with the visitor's CSRF token, so its tag is weak.
    etag, weak = response.get_etag()
    if etag is None:
        etag, weak = hashlib.blake2b(body.encode(), digest_size=12).hexdigest(), True
        response.set_etag(etag, weak=True)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    headers = [(k, v) for k, v in response.headers.items() if k in KEPT_HEADERS]
    store().put(key, (response.status_code, headers, body, etag, weak))
    _may_replay(key, body)
    return response.make_conditional(request) if _conditional() else response


def _may_replay(key: tuple[Any, ...], body: str) -> None:
    """Let web.caching.replay keep this answer whole when nothing in it is anyone's own: a
    visitor who brought no cookie (so no session but a new one; server-side sessions
    start with keys of their own), and no token in the page."""
    visitor = key[-1][0] == "visitor" and "HTTP_COOKIE" not in request.environ
    if visitor and PLACEHOLDER not in body and ONCE not in body:
        request.environ[MARK] = key[0]
