"""A member's settings, and the theme and language preferences every reader can set."""

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import force_locale, gettext
from werkzeug.wrappers import Response

from web.db import get_session
from web.http.auth import (
    current_member,
    members_only,
    next_from_request,
    password_changed,
    signed_in_member,
)
from web.http.forms import SettingsForm, taken
from web.http.i18n import SESSION_KEY as LANGUAGE_KEY
from web.http.i18n import negotiated
from web.http.rendering import announce, layout_block, render, respond, wants_fragment
from web.infra import mail
from web.languages import LANGUAGES, N_
from web.models import User, id_of
from web.pages.email_addresses import send_confirmation
from web.users import (
    THEME_KEY,
    THEMES,
    AccountConflict,
    check_password,
    set_language,
    set_theme,
    update_account,
)

THEME_NAMES = {
    "system": N_("Using the system's theme."),
    "light": N_("Using light theme."),
    "dark": N_("Using dark theme."),
}

LANGUAGE_CHANGED = "language_changed"  # in the session, for the next page only

bp = Blueprint("settings", __name__)


@bp.route("/settings", methods=["GET", "POST"])
@members_only
def edit() -> Response:
    user = signed_in_member()
    form = SettingsForm(obj=user, user_id=id_of(user))
    if form.validate_on_submit():
        if form.new_password.data and not check_password(user, form.current_password.data):
            form.current_password.errors.append(gettext("That is not your current password."))
        else:
            # A new address takes effect once it is confirmed (web.email_addresses).
            moving = form.email.data.lower() != user.email.lower()
            password_was = user.password_hash
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
                    form[field].errors.append(taken(field))
            else:
                if form.new_password.data and password_was != user.password_hash:
                    password_changed(user)  # every other sign-in and API token ends
                saved = gettext("Settings saved.")
                flash(f"{saved} {_moving(user, form.email.data)}" if moving else saved)
                return redirect(url_for("settings.edit"), 303)
    return render("settings/edit.html", form=form, status=422 if form.errors else 200)


def _moving(user: User, address: str) -> str:
    """Ask the new address to confirm (and tell the old one); what to say about it."""
    try:
        send_confirmation(user, address)
    except mail.NotSent:
        return gettext("We could not send the link to confirm %(address)s just now, so your "
                       "address is unchanged: please try again in a few minutes.",
                       address=address)  # fmt: skip
    return gettext("We sent a link to %(address)s: your address changes when you open it.",
                   address=address)  # fmt: skip


@bp.post("/theme")
def theme() -> Response:
    """Light, dark or system: on the member's account, or in a visitor's session."""
    choice = request.form.get("theme")
    chosen = choice if choice in THEMES else None
    user = current_member()
    if user is not None:
        set_theme(session=get_session(), user=user, theme=chosen)
    else:
        session[THEME_KEY] = chosen
    said = gettext(THEME_NAMES[chosen or "system"])
    if wants_fragment():  # applied at once: the page's theme mark, and a word about it
        announce(said)
        return respond(layout_block("theme"))
    flash(said)  # the next page is in the new theme, and says so
    return redirect(next_from_request(url_for("home.index")), 303)


@bp.post("/language")
def language() -> Response:
    """The interface language: on the member's account (every device they sign in
    from), or in a visitor's session. The whole page changes, so it is always a new
    page load (the form is not boosted); "auto" goes back to the browser's preference."""
    choice = request.form.get("language")
    chosen = choice if choice in LANGUAGES else None
    user = current_member()
    if user is not None:
        set_language(session=get_session(), user=user, language=chosen)
    session[LANGUAGE_KEY] = chosen  # kept after signing out too
    # Said in the new language, and the next page puts focus back on the picker.
    now = chosen or negotiated(request.headers.get("Accept-Language", ""))
    with force_locale(now):
        flash(gettext("Language: %(language)s.", language=LANGUAGES[now].name))
    session[LANGUAGE_CHANGED] = True
    return redirect(next_from_request(url_for("home.index")), 303)


def language_just_changed() -> bool:
    """Whether this page follows a change of language (asked once, by the footer)."""
    return bool(session.pop(LANGUAGE_CHANGED, False))


def current_theme() -> str:
    """The theme to render: the member's choice, the visitor's, or the system's."""
    user = current_member()
    chosen = user.theme if user is not None else session.get(THEME_KEY)
    return chosen if chosen in THEMES else "system"
