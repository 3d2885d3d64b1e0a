"""Sign up, sign in, sign out, the sign-up form's inline checks, and choosing a new
password through an emailed link."""

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_limiter import RequestLimit
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from web.db import get_session
from web.http.auth import current_member, next_from_request, password_changed, sign_in, sign_out
from web.http.errors import in_words
from web.http.forms import (
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    field_errors,
    taken,
)
from web.http.limits import (
    failed_sign_in,
    limit_attempts,
    limit_checks,
    limit_resets,
    retry_after_seconds,
)
from web.http.rendering import component, render, respond
from web.http.resume import resumed
from web.infra import mail
from web.infra.metrics import SIGNINS, SIGNUPS
from web.languages import N_
from web.moderation import Suspended
from web.pages.email_addresses import send_confirmation
from web.passwords import member_for, reset_password, reset_token
from web.users import AccountConflict, authenticate, create_user, find_by_email

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = N_("That email and password do not match an account.")
PAGES = {
    "auth.login": ("auth/login.html", LoginForm),
    "auth.register": ("auth/register.html", RegisterForm),
    "auth.forgot_password": ("auth/forgot.html", ForgotPasswordForm),
}
NOT_SENT = N_(
    "We could not send the email just now. Nothing changed: please try again in a few minutes."
)


def _too_many(limit: RequestLimit) -> Response:
    """Over the sign-in limit: the same form again (what was typed kept, passwords
    excepted), saying in words when to try again."""
    template, form_class = PAGES[request.endpoint or "auth.login"]
    form = form_class()
    wait = in_words(retry_after_seconds(limit) or 60)
    if request.endpoint == "auth.forgot_password":  # counted per address asked for too
        said = gettext("Too many attempts. Please wait %(wait)s and try again.", wait=wait)
    else:
        said = gettext("Too many attempts from here. Please wait %(wait)s and try again.",
                       wait=wait)  # fmt: skip
    form.form_errors.append(said)
    return _page(template, form, status=429)


def _page(template: str, form: FlaskForm, status: int | None = None, **context: Any) -> Response:
    failed = form.errors or form.form_errors
    code = status or (422 if failed else 200)
    return render(template, form=form, next=next_from_request(""), status=code, **context)


@bp.route("/register", methods=["GET", "POST"])
@limit_attempts(on_breach=_too_many)
def register() -> Response:
    if current_member():
        return redirect(next_from_request(), 303)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_user(
                session=get_session(),
                username=form.username.data,
                email=form.email.data,
                password=form.password.data,
            )
        except AccountConflict as conflict:  # taken between the check and the insert
            for field in conflict.fields:
                form[field].errors.append(taken(field))
        else:
            SIGNUPS.inc()
            sign_in(user)
            flash(gettext("Welcome to Conduit, %(name)s!", name=user.username))
            try:
                send_confirmation(user)
            except mail.NotSent:
                flash(gettext("We could not send the link to confirm your address just now: "
                              "use “Send it again” in a few minutes."))  # fmt: skip
            return resumed() or redirect(next_from_request(), 303)
    return _page("auth/register.html", form)


@bp.get("/register/check/<field>")
@limit_checks
def check(field: str) -> Response:
    """The message for one sign-up field, for the inline check while typing."""
    if field not in ("username", "email"):
        abort(404)
    return respond(component("field_messages", field_errors(RegisterForm, field, request.args)))


@bp.route("/login", methods=["GET", "POST"])
@limit_attempts(on_breach=_too_many)
def login() -> Response:
    if current_member():
        return redirect(next_from_request(), 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            session=get_session(), email=form.email.data, password=form.password.data
        )
        if user is not None:
            try:
                sign_in(user, remember=form.remember.data)
            except Suspended as suspended:
                form.form_errors.append(gettext(suspended.sentence, **suspended.params))
                return _page("auth/login.html", form, status=403)
            SIGNINS.labels("ok").inc()
            flash(gettext("Welcome back, %(name)s!", name=user.username))
            return resumed() or redirect(next_from_request(), 303)
        form.form_errors.append(gettext(WRONG_CREDENTIALS))
        failed_sign_in(form.email.data)
    return _page("auth/login.html", form)


@bp.post("/logout")
def logout() -> Response:
    sign_out()
    flash(gettext("You have signed out."))
    return redirect(url_for("home.index"), 303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_resets(on_breach=_too_many)
def forgot_password() -> Response:
    """Ask for a link to choose a new password. The answer is the same whether or not
    an account uses the address, and so is the work: a message goes out either way
    (to an unknown address, one saying no account uses it)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        address = form.email.data
        member = find_by_email(session=get_session(), email=address)
        try:
            if member is not None:
                link = url_for("auth.reset_password_page", token=reset_token(member),
                               _external=True)  # fmt: skip
                mail.send(address, gettext("Choose a new Conduit password"), "password_reset",
                          member=member, link=link)  # fmt: skip
            else:
                link = url_for("auth.register", _external=True)
                mail.send(address, gettext("Your Conduit password"), "no_account", link=link)
        except mail.NotSent:
            form.form_errors.append(gettext(NOT_SENT))
            return _page("auth/forgot.html", form, status=503, sent_to=None)
        return _page("auth/forgot.html", form, sent_to=address)
    return _page("auth/forgot.html", form, sent_to=None)


@bp.route("/password/reset/<token>", methods=["GET", "POST"], endpoint="reset_password_page")
def reset_password_view(token: str) -> Response:
    """The emailed link: choose a new password, then be signed in with it; every other
    sign-in and API token of the account ends. A used, expired or forged link says so."""
    member = member_for(session=get_session(), token=token)
    if member is None:
        return render("auth/reset.html", form=None, member=None, status=410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        reset_password(session=get_session(), user=member, password=form.password.data)
        if current_member() is not None:
            sign_out()
        sign_in(member)
        password_changed(member)
        flash(gettext("Your password is changed and you are signed in. Everywhere else you "
                      "were signed in has been signed out."))  # fmt: skip
        return redirect(url_for("home.index"), 303)
    return _page("auth/reset.html", form, member=member)
