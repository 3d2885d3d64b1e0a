"""Search: the header's search box, results best match first."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, request
from flask_babel import gettext, ngettext
from werkzeug.wrappers import Response

from web.bounds import SEARCH_MAX
from web.caching.answers import served_again
from web.db import get_session
from web.http.auth import current_member
from web.http.rendering import announce, current_url, render, target, wants_fragment
from web.models import id_or_none
from web.pagination import page_number
from web.search import search_articles

bp = Blueprint("search", __name__)


@bp.get("/search")
@served_again
def index() -> Response:
    query = request.args.get("q", "")[:SEARCH_MAX].strip()
    viewer = current_member()
    page = search_articles(
        session=get_session(),
        query=query,
        page=page_number(request.args.get("page")),
        size=current_app.config["FEED_PAGE_SIZE"],
        viewer_id=id_or_none(viewer),
        window=current_app.config["SEARCH_WINDOW"],
    )
    if wants_fragment():
        announce(_found(query, page.total, page.number, page.pages))
    response = render("search/index.html", parts=("main", "feed"), query=query, page=page)
    on_results = urlsplit(current_url() or "").path == "/search"
    if target() == "main" and on_results:
        # Searching as you type on the results page: one history entry, not one per key.
        response.headers["HX-Replace-Url"] = request.full_path.rstrip("?")
    return response


def _found(query: str, total: int, number: int, pages: int) -> str:
    if not query:
        return gettext("Type words to search for.")
    found = ngettext(
        "%(num)d article found for “%(query)s”", "%(num)d articles found for “%(query)s”",
        total, query=query,
    )  # fmt: skip
    if pages > 1:
        return gettext(
            "%(list)s, page %(number)s of %(pages)s.", list=found, number=number, pages=pages
        )
    return gettext("%(list)s.", list=found)
