"""Visitors' pages and API reads, rendered once and served again until the next write.

A GET from a visitor (no sign-in, no token, no message waiting) is answered from the
cache when the same page, in the same shape (htmx headers), for the same theme and
language was rendered since the site's last write (web.cache's generation). The only personal
thing in such a page is the CSRF token of the visitor's session: it is stored as a
placeholder and filled in for each visitor. Members and API clients with a token are
never served from, nor stored in, this cache.

Every visitor answer also carries an ETag: a browser revalidating it gets a 304. Pages
say `Cache-Control: private, no-cache` (each holds a session's token, so no shared
cache may keep them); members' pages say `private, no-store`. API answers keep the
strong ETag and Cache-Control web.api.conditions gave them.
"""

import hashlib
from typing import Any

from flask import Flask, Response, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from web.api.operations import MOUNTS
from web.cache import generation, store
from web.reading_list import SESSION_KEY

PLACEHOLDER = "\x00csrf-token\x00"  # NUL never reaches a page: it cannot collide
SHAPE_HEADERS = ("HX-Request", "HX-Target", "HX-Boosted", "HX-History-Restore-Request")
KEPT_HEADERS = (
    "Content-Type", "Vary", "Cache-Control", "Link",
    "HX-Push-Url", "HX-Replace-Url", "HX-Reswap",
)  # fmt: skip
API_READS = (
    "list_articles", "get_article", "list_comments", "get_comment", "get_profile",
    "list_profile_articles", "list_favorites", "tags",
)  # fmt: skip
# The pages and API reads that are the same for every visitor (opt-in, by endpoint).
CACHEABLE = frozenset({
    "home.index", "articles.show", "profiles.show", "search.index",
    *(f"{mount}.{read}" for mount in MOUNTS for read in API_READS),
})  # fmt: skip


def init_app(app: Flask) -> None:
    app.before_request(_serve)
    app.after_request(_keep)


def _visitor() -> bool:
    """A visitor with nothing personal: no sign-in (or remember-me), no token, no flash
    message, no reading list."""
    return (
        "_user_id" not in session
        and "_flashes" not in session
        and SESSION_KEY not in session  # their reading list shows on every page
        and "remember_token" not in request.cookies
        and "Authorization" not in request.headers
    )


def _key() -> tuple[Any, ...] | None:
    if request.method not in ("GET", "HEAD") or request.endpoint not in CACHEABLE:
        return None
    if not _visitor():
        return None
    now = generation()
    if now is None:
        return None
    shape = tuple(request.headers.get(name, "") for name in SHAPE_HEADERS)
    current = request.headers.get("HX-Current-URL", "") if shape[0] else ""
    where = (request.host_url, request.full_path)
    language = str(get_locale())  # the browser's, or the visitor's choice
    return (now, "page", where, shape, current, session.get("theme"), language)


def _serve() -> Response | None:
    key = _key()
    if key is None:
        return None
    g.page_key = key
    found = store().get(key)
    if found is None:
        return None
    status, headers, body, etag, weak = found
    response = Response(body, status=status, headers=headers)
    response.set_etag(etag, weak=weak)
    g.page_served = True
    if response.make_conditional(request).status_code != 304:
        response.set_data(with_token(body))  # a 304 sends no body: no token made for it
    return response


def without_token(html: str) -> str:
    """`html` with this request's CSRF token replaced by the placeholder."""
    token = g.get("csrf_token")  # Flask-WTF keeps the request's token there
    return html.replace(token, PLACEHOLDER) if token else html


def with_token(html: str) -> str:
    """`html` with the placeholder filled with this reader's CSRF token."""
    return html.replace(PLACEHOLDER, generate_csrf()) if PLACEHOLDER in html else html


def _keep(response: Response) -> Response:
    key = g.get("page_key")
    if "_user_id" in session:  # a member's page, whatever it is: never kept anywhere
        response.headers["Cache-Control"] = "private, no-store"
        return response
    if key is None or g.get("page_served") or response.status_code != 200:
        if key is not None:
            response.headers.setdefault("Cache-Control", "private, no-cache")
        return response
    if response.direct_passthrough or response.mimetype not in ("text/html", "application/json"):
        return response
    body = without_token(response.get_data(as_text=True))
    # An API answer brings its strong ETag (web.api.conditions); a page's bytes vary
    # with the visitor's CSRF token, so its tag is weak.
    etag, weak = response.get_etag()
    if etag is None:
        etag, weak = hashlib.blake2b(body.encode(), digest_size=12).hexdigest(), True
        response.set_etag(etag, weak=True)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    headers = [(k, v) for k, v in response.headers.items() if k in KEPT_HEADERS]
    store().put(key, (response.status_code, headers, body, etag, weak), size=len(body))
    return response.make_conditional(request)
