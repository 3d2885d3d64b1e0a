"""Search: the header's search box, results best match first."""

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request

from web.auth import current_member
from web.db import get_session
from web.pagination import PageOutOfRange
from web.rendering import announce, htmx, render, wants_fragment
from web.search import search_articles

bp = Blueprint("search", __name__)

QUERY_MAX = 200


@bp.get("/search")
def index() -> Response:
    query = request.args.get("q", "")[:QUERY_MAX].strip()
    viewer = current_member()
    try:
        page = search_articles(
            session=get_session(),
            query=query,
            page=request.args.get("page", 1, type=int),
            size=current_app.config["FEED_PAGE_SIZE"],
            viewer_id=viewer.id if viewer else None,
        )
    except PageOutOfRange:
        abort(404)
    if wants_fragment():
        found = f"{page.total} {'article' if page.total == 1 else 'articles'}"
        announce(f"{found} found for “{query}”." if query else "Type words to search for.")
    response = render("search/index.html", parts=("main", "feed"), query=query, page=page)
    on_results = urlsplit(htmx.current_url or "").path == "/search"
    if wants_fragment() and htmx.target == "main" and on_results:
        # Searching as you type on the results page: one history entry, not one per key.
        response.headers["HX-Replace-Url"] = request.full_path.rstrip("?")
    return response
