"""The home page: your feed, the global feed or a tag's feed, and popular tags."""

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web.articles import list_articles, popular_tags
from web.caching.answers import served_again
from web.caching.generation import POPULAR_TAGS
from web.db import get_session
from web.http.auth import current_member
from web.http.errors import sign_in_required
from web.http.rendering import announce, page_of, render, wants_fragment
from web.models import id_or_none
from web.pagination import page_number
from web.reuse import reused

bp = Blueprint("home", __name__)

YOURS = "following"


@bp.get("/")
@served_again
def index() -> Response:
    viewer = current_member()
    tag = request.args.get("tag") or None
    feed = request.args.get("feed")
    if feed not in (None, YOURS) or (feed == YOURS and tag):
        abort(404)  # "your feed" is not filtered by tag
    if feed == YOURS and viewer is None:
        return sign_in_required()  # "your feed" is a member's: sign in, then see it
    yours = feed == YOURS
    session = get_session()
    page = list_articles(
        session=session,
        page=page_number(request.args.get("page")),
        size=current_app.config["FEED_PAGE_SIZE"],
        viewer_id=id_or_none(viewer),
        tag=tag,
        followed_by=viewer.id if yours and viewer else None,
    )
    feed_title = gettext("Your feed") if yours else f"#{tag}" if tag else gettext("Global feed")
    if wants_fragment():
        # Only the feed is sent: say where the reader landed, skip the sidebar's query.
        announce(page_of(feed_title, page))
        tags = []
    else:
        tags = reused(POPULAR_TAGS, lambda: popular_tags(session=session))
    # The tabs this reader can use: "Your feed" only for members.
    tabs = []
    if viewer is not None:
        tabs.append((url_for("home.index", feed=YOURS), gettext("Your feed"), yours))
    tabs.append((url_for("home.index"), gettext("Global feed"), not yours and tag is None))
    if tag:
        tabs.append((url_for("home.index", tag=tag), feed_title, True))
    empty = (
        gettext("Follow writers to see their new articles here.")
        if yours
        else gettext("No articles are here… yet.")
    )
    return render(
        "home/index.html",
        parts=("feed",),
        page=page,
        params={"tag": tag, "feed": YOURS if yours else None},
        feed_title=feed_title,
        empty=empty,
        tabs=tabs,
        tags=tags,
    )
