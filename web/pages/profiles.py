"""Profiles: a member's articles or favorites, and following them."""

from flask import Blueprint, abort, current_app, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web.articles import list_articles
from web.caching.answers import served_again
from web.db import get_session
from web.http.actions import ARTICLE_PLACES, acted
from web.http.auth import current_member, members_only, signed_in_member
from web.http.errors import sign_in_required
from web.http.rendering import announce, component, page_of, render, wants_fragment
from web.languages import N_
from web.models import id_of, id_or_none
from web.moderation import is_moderator
from web.pagination import page_number
from web.users import get_profile, set_following

bp = Blueprint("profiles", __name__)

TABS = {"articles": N_("Articles"), "favorited": N_("Favorited articles"), "drafts": N_("Drafts")}
EMPTY = {
    "articles": N_("No articles are here… yet."),
    "favorited": N_("No favorite articles… yet."),
    "drafts": N_("No drafts. Save one from the editor to finish it later."),
}
OWN_TABS = {"drafts"}  # shown to the profile's owner alone
# A member's follow button: once on their profile, twice on each of their articles.
FOLLOW_PLACES = (*ARTICLE_PLACES, "profile")


@bp.get("/profile/<username>")
@served_again
def show(username: str) -> Response:
    viewer = current_member()
    profile = get_profile(session=get_session(), username=username, viewer_id=id_or_none(viewer))
    own = viewer is not None and viewer.id == profile.id
    tab = request.args.get("tab", "articles")
    if tab in OWN_TABS and viewer is None:  # e.g. signed out in another tab
        return sign_in_required()
    if tab not in TABS or (tab in OWN_TABS and not own):
        abort(404)
    page = list_articles(
        session=get_session(),
        page=page_number(request.args.get("page")),
        size=current_app.config["FEED_PAGE_SIZE"],
        viewer_id=id_or_none(viewer),
        author_id=profile.id if tab in ("articles", "drafts") else None,
        favorited_by=profile.id if tab == "favorited" else None,
        drafts=tab == "drafts",
        # The author (and the moderators) see what is hidden from others, marked so.
        hidden_too=own or is_moderator(viewer),
    )
    if wants_fragment():
        announce(
            page_of(
                gettext("%(tab)s of %(name)s", tab=gettext(TABS[tab]), name=profile.username), page
            )
        )

    shown = [key for key in TABS if own or key not in OWN_TABS]

    def tab_url(key: str) -> str:
        return url_for("profiles.show", username=profile.username, tab=_tab_param(key))

    return render(
        "profiles/show.html",
        parts=("feed",),
        profile=profile,
        page=page,
        title=gettext(TABS[tab]),
        empty=gettext(EMPTY[tab]),
        tab_param=_tab_param(tab),
        tabs=[(tab_url(key), gettext(TABS[key]), key == tab) for key in shown],
    )


def _tab_param(tab: str) -> str | None:
    # The default tab keeps the profile's plain address.
    return None if tab == "articles" else tab


@bp.post("/profile/<username>/follow")
@members_only
def follow_user(username: str) -> Response:
    return _set_following(username, True)


@bp.post("/profile/<username>/unfollow")
@members_only
def unfollow_user(username: str) -> Response:
    return _set_following(username, False)


def _set_following(username: str, following: bool) -> Response:
    viewer = signed_in_member()
    profile = set_following(
        session=get_session(), follower_id=id_of(viewer), username=username, following=following
    )
    message = (
        gettext("You now follow %(name)s.", name=profile.username)
        if following
        else gettext("You no longer follow %(name)s.", name=profile.username)
    )
    return acted(
        message,
        back=url_for("profiles.show", username=profile.username),
        button=lambda place, oob: component("follow_button", profile, viewer, place=place, oob=oob),
        prefix=f"follow-{profile.id}-",
        places=FOLLOW_PLACES,
    )
