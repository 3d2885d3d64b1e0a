"""What other programs read: Atom feeds (the global feed, a tag's, an author's), the
sitemap and robots.txt.

Each answer is the same for everyone and carries validators: a strong ETag and, for
feeds, Last-Modified (the newest entry's change), so feed readers poll cheaply.
"""

import math
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.wrappers import Response

from web.articles import addresses, bodies_of, find_articles
from web.bounds import PAGE_MAX
from web.db import get_session
from web.http.site import here_absolute
from web.markdown import render_markdown
from web.pagination import PageOutOfRange
from web.users import get_profile

bp = Blueprint("syndication", __name__)

ATOM = "application/atom+xml"
ENTRIES = 20
SITEMAP_PAGE = 10_000  # addresses per sitemap file (the protocol allows 50,000)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)  # "updated" of a feed with no entries yet


@bp.app_template_filter("atom_date")
def atom_date(value: datetime) -> str:
    """RFC 3339 with its offset, as Atom and sitemaps want (stored times are UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.isoformat(timespec="seconds")


@bp.get("/feed.atom")
def everything() -> Response:
    return _feed("Conduit: newest articles", url_for("home.index", _external=True))


@bp.get("/tag/<name>/feed.atom")
def tagged(name: str) -> Response:
    return _feed(f"Conduit: #{name}", url_for("home.index", tag=name, _external=True), tag=name)


@bp.get("/profile/<username>/feed.atom")
def by_author(username: str) -> Response:
    member = get_profile(session=get_session(), username=username, viewer_id=None)
    page = url_for("profiles.show", username=member.username, _external=True)
    return _feed(f"Conduit: articles by {member.username}", page, author_id=member.id)


def _feed(
    title: str, page_url: str, *, tag: str | None = None, author_id: int | None = None
) -> Response:
    session = get_session()
    items, _ = find_articles(session=session, offset=0, limit=ENTRIES, tag=tag, author_id=author_id)
    bodies = bodies_of(session=session, ids=[item.id for item in items])
    updated = max((item.updated_at for item in items), default=EPOCH)
    xml = render_template(
        "syndication/feed.atom.xml",
        title=title,
        page_url=page_url,
        self_url=here_absolute(),
        feed_id=here_absolute(),
        updated=updated,
        entries=[(item, render_markdown(bodies[item.id])) for item in items],
        host=urlsplit(current_app.config["SITE_URL"]).hostname,
    )
    return _validated(xml, ATOM, last_modified=updated)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """One file while the articles fit in one; past that, an index of numbered files."""
    entries, total = addresses(session=get_session(), offset=0, limit=SITEMAP_PAGE)
    files = max(1, math.ceil(total / SITEMAP_PAGE))
    if files > 1:
        parts = [url_for("syndication.sitemap_part", number=n, _external=True)
                 for n in range(1, files + 1)]  # fmt: skip
        return _validated(render_template("syndication/index.xml", parts=parts), "application/xml")
    return _urlset(entries, with_home=True)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_part(number: int) -> Response:
    if not 1 <= number <= PAGE_MAX:  # (a number past any database's integers: 404 too)
        raise PageOutOfRange(number)
    entries, _ = addresses(
        session=get_session(), offset=(number - 1) * SITEMAP_PAGE, limit=SITEMAP_PAGE
    )
    if not entries:
        raise PageOutOfRange(number)
    return _urlset(entries, with_home=number == 1)


def _urlset(entries: list[tuple[str, datetime]], *, with_home: bool) -> Response:
    urls: list[tuple[str, datetime | None]] = [
        (url_for("articles.show", slug=slug, _external=True), updated) for slug, updated in entries
    ]
    if with_home:
        urls.insert(0, (url_for("home.index", _external=True), None))
    return _validated(render_template("syndication/sitemap.xml", urls=urls), "application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawl the articles, profiles and feeds; not forms, search results or the API."""
    text = render_template(
        "syndication/robots.txt", sitemap=url_for("syndication.sitemap", _external=True)
    )
    return _validated(text, "text/plain")


def _validated(body: str, mimetype: str, last_modified: datetime | None = None) -> Response:
    response = current_app.response_class(body, mimetype=mimetype)
    response.add_etag()
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = "public, no-cache"  # revalidate: writes show at once
    return response.make_conditional(request)
