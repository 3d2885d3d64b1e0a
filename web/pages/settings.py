"""A member's settings, and the theme preference every reader can set."""

from flask import Blueprint, Response, flash, redirect, request, session, url_for

from web import mail
from web.auth import (
    current_member,
    members_only,
    next_from_request,
    sign_out_elsewhere,
    signed_in_member,
)
from web.db import get_session
from web.forms import SettingsForm
from web.models import User
from web.pages.addresses import send_confirmation
from web.rendering import announce, layout_block, render, respond, wants_fragment
from web.users import THEMES, AccountConflict, check_password, set_theme, update_account

THEME_NAMES = {"system": "the system's", "light": "light", "dark": "dark"}

bp = Blueprint("settings", __name__)


@bp.route("/settings", methods=["GET", "POST"])
@members_only
def edit() -> Response:
    user = signed_in_member()
    form = SettingsForm(obj=user, user_id=user.id)
    if form.validate_on_submit():
        if form.new_password.data and not check_password(user, form.current_password.data):
            form.current_password.errors.append("That is not your current password.")
        else:
            # A new address takes effect once it is confirmed (web.addresses).
            moving = form.email.data.lower() != user.email.lower()
            try:
                update_account(
                    session=get_session(),
                    user=user,
                    username=form.username.data,
                    password=form.new_password.data or None,
                    bio=form.bio.data,
                    image=form.image.data,
                )
            except AccountConflict as conflict:  # taken between the check and the save
                for field in conflict.fields:
                    form[field].errors.append(f"That {field} is already taken.")
            else:
                if form.new_password.data:
                    sign_out_elsewhere(user)  # a new password ends every other sign-in
                flash("Settings saved." + (_moving(user, form.email.data) if moving else ""))
                return redirect(url_for("settings.edit"), 303)
    return render("settings/edit.html", form=form, status=422 if form.errors else 200)


def _moving(user: User, address: str) -> str:
    """Ask the new address to confirm (and tell the old one); what to say about it."""
    try:
        send_confirmation(user, address)
    except mail.NotSent:
        return (f" We could not send the link to confirm {address} just now, so your "
                "address is unchanged: please try again in a few minutes.")  # fmt: skip
    return f" We sent a link to {address}: your address changes when you open it."


@bp.post("/theme")
def theme() -> Response:
    """Light, dark or system: on the member's account, or in a visitor's session."""
    choice = request.form.get("theme")
    chosen = choice if choice in THEMES else None
    user = current_member()
    if user is not None:
        set_theme(session=get_session(), user=user, theme=chosen)
    else:
        session["theme"] = chosen
    if wants_fragment():  # applied at once: the page's theme mark, and a word about it
        announce(f"Using {THEME_NAMES[chosen or 'system']} theme.")
        return respond(layout_block("theme"))
    return redirect(next_from_request(url_for("home.index")), 303)


def current_theme() -> str:
    """The theme to render: the member's choice, the visitor's, or the system's."""
    user = current_member()
    chosen = user.theme if user is not None else session.get("theme")
    return chosen if chosen in THEMES else "system"
