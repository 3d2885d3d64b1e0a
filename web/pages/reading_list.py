"""The reading list: save any article to read later, signed in or not.

A member's list is on their account; a visitor's lives in their session (which also
keeps their pages out of the visitors' page cache, web.caching.answers) and joins the
account's at sign-in (web.http.auth.sign_in).
"""

from flask import Blueprint, current_app, g, request
from flask_babel import gettext
from werkzeug.wrappers import Response

from web import reading_list as domain
from web.articles import find_article
from web.db import get_session
from web.http.auth import current_member
from web.http.errors import sign_in_required
from web.http.reader import keep_for_visitor, reading_list
from web.http.rendering import announce, component, page_of, render, wants_fragment
from web.http.resume import sent_by_member
from web.models import id_of, id_or_none
from web.pages.articles import toggled
from web.pagination import offset_for, page_number

bp = Blueprint("reading_list", __name__)


@bp.get("/reading-list")
def index() -> Response:
    member = current_member()
    ids, number = reading_list(), page_number(request.args.get("page"))
    size = current_app.config["FEED_PAGE_SIZE"]
    page = domain.listed(
        session=get_session(), ids=ids, page=number, size=size,
        viewer_id=id_or_none(member),
    )  # fmt: skip
    if member is None:  # forget what was deleted since the visitor saved it
        window = ids[offset_for(number, size) : offset_for(number, size) + size]
        gone = set(window) - {article.id for article in page.items}
        if gone:
            keep_for_visitor([i for i in ids if i not in gone])
    if wants_fragment():
        announce(page_of(gettext("Reading list"), page))
    return render("reading_list/index.html", parts=("feed",), page=page)


@bp.post("/article/<slug>/save")
def save(slug: str) -> Response:
    return _set_saved(slug, True)


@bp.post("/article/<slug>/unsave")
def unsave(slug: str) -> Response:
    return _set_saved(slug, False)


def _set_saved(slug: str, on: bool) -> Response:
    if sent_by_member():  # pressed on a member's page after their session ended
        return sign_in_required()
    member = current_member()
    db = get_session()
    article = find_article(session=db, slug=slug, viewer_id=id_or_none(member))
    article_id = id_of(article)
    if member is not None:
        change = domain.save if on else domain.remove
        change(session=db, user_id=id_of(member), article_id=article_id)
        g.pop("reading_list", None)
    else:
        ids = reading_list()
        kept = domain.with_article(ids, article_id) if on else [i for i in ids if i != article_id]
        keep_for_visitor(kept)
    message = (
        gettext("Saved to your reading list: “%(title)s”.", title=article.title)
        if on
        else gettext("Removed from your reading list: “%(title)s”.", title=article.title)
    )
    count = component("reading_list_count", len(reading_list()), oob=True)  # the header's
    return toggled("save", article, message, also=[count])
