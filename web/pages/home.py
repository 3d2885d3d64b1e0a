"""The home page: the global feed or a tag's feed, and popular tags."""

from flask import Blueprint, Response, abort, current_app, request, url_for

from web.articles import list_articles, popular_tags
from web.db import get_session
from web.pagination import PageOutOfRange
from web.rendering import announce, render, wants_fragment

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    page_number = request.args.get("page", 1, type=int)
    tag = request.args.get("tag") or None
    session = get_session()
    try:
        page = list_articles(
            session=session,
            page=page_number,
            size=current_app.config["FEED_PAGE_SIZE"],
            tag=tag,
        )
    except PageOutOfRange:
        abort(404)
    feed_title = f"#{tag}" if tag else "Global feed"
    if wants_fragment():
        # Only the feed is sent: say where the reader landed, skip the sidebar's query.
        announce(f"{feed_title}, page {page.number} of {page.pages}")
        tags = []
    else:
        tags = popular_tags(session=session)
    tabs = [(url_for("home.index"), "Global feed", tag is None)]
    if tag:
        tabs.append((url_for("home.index", tag=tag), feed_title, True))
    return render(
        "home/index.html",
        parts=("feed",),
        page=page,
        tag=tag,
        feed_title=feed_title,
        tabs=tabs,
        tags=tags,
    )
