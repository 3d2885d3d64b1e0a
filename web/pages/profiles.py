"""Profiles: a member's articles or favorites, and following them."""

from dataclasses import replace

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_login import login_required

from web.articles import list_articles
from web.auth import current_member, next_from_request, signed_in_member
from web.db import get_session
from web.pagination import PageOutOfRange
from web.rendering import announce, render, wants_fragment
from web.users import Profile, follow, get_profile, unfollow

bp = Blueprint("profiles", __name__)

TABS = {"articles": "Articles", "favorited": "Favorited articles"}
EMPTY = {"articles": "No articles are here… yet.", "favorited": "No favorite articles… yet."}


def _profile_or_404(username: str) -> Profile:
    viewer = current_member()
    profile = get_profile(
        session=get_session(), username=username, viewer_id=viewer.id if viewer else None
    )
    if profile is None:
        abort(404)
    return profile


@bp.get("/profile/<username>")
def show(username: str) -> Response:
    profile = _profile_or_404(username)
    tab = request.args.get("tab", "articles")
    if tab not in TABS:
        abort(404)
    try:
        page = list_articles(
            session=get_session(),
            page=request.args.get("page", 1, type=int),
            size=current_app.config["FEED_PAGE_SIZE"],
            author_id=profile.id if tab == "articles" else None,
            favorited_by=profile.id if tab == "favorited" else None,
        )
    except PageOutOfRange:
        abort(404)
    if wants_fragment():
        announce(f"{TABS[tab]} of {profile.username}, page {page.number} of {page.pages}")

    def tab_url(key: str) -> str:
        return url_for("profiles.show", username=profile.username, tab=_tab_param(key))

    return render(
        "profiles/show.html",
        parts=("feed",),
        profile=profile,
        page=page,
        title=TABS[tab],
        empty=EMPTY[tab],
        tab_param=_tab_param(tab),
        tabs=[(tab_url(key), text, key == tab) for key, text in TABS.items()],
    )


def _tab_param(tab: str) -> str | None:
    # The default tab keeps the profile's plain address.
    return None if tab == "articles" else tab


@bp.post("/profile/<username>/follow")
@login_required
def follow_user(username: str) -> Response:
    return _set_following(username, True)


@bp.post("/profile/<username>/unfollow")
@login_required
def unfollow_user(username: str) -> Response:
    return _set_following(username, False)


def _set_following(username: str, following: bool) -> Response:
    viewer = signed_in_member()
    profile = _profile_or_404(username)
    if profile.id == viewer.id:
        abort(422, "You cannot follow yourself.")
    change = follow if following else unfollow
    change(session=get_session(), follower_id=viewer.id, followed_id=profile.id)
    message = f"You {'now follow' if following else 'no longer follow'} {profile.username}."
    if not wants_fragment():
        flash(message)
        return redirect(next_from_request(url_for("profiles.show", username=profile.username)), 303)
    announce(message)
    return render(
        "profiles/show.html", fragment="follow", profile=replace(profile, following=following)
    )
