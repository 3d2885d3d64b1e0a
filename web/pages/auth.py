"""Sign up, sign in, sign out, and the sign-up form's inline checks."""

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_limiter import RequestLimit
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from web.auth import current_member, next_from_request, sign_in, sign_out
from web.db import get_session
from web.errors import in_words
from web.forms import LoginForm, RegisterForm
from web.limits import limit_attempts, limit_checks, retry_after_seconds
from web.rendering import component, render, respond
from web.users import AccountConflict, authenticate, create_user

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "That email and password do not match an account."
PAGES = {
    "auth.login": ("auth/login.html", LoginForm),
    "auth.register": ("auth/register.html", RegisterForm),
}


def _too_many(limit: RequestLimit) -> Response:
    """Over the sign-in limit: the same form again (what was typed kept, passwords
    excepted), saying in words when to try again."""
    template, form_class = PAGES[request.endpoint or "auth.login"]
    form = form_class()
    wait = in_words(retry_after_seconds(limit) or 60)
    form.form_errors.append(f"Too many attempts from here. Please wait {wait} and try again.")
    return _page(template, form, status=429)


def _page(template: str, form: FlaskForm, status: int | None = None) -> Response:
    failed = form.errors or form.form_errors
    code = status or (422 if failed else 200)
    return render(template, form=form, next=next_from_request(""), status=code)


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
                form[field].errors.append(f"That {field} is already taken.")
        else:
            sign_in(user)
            flash(f"Welcome to Conduit, {user.username}!")
            return redirect(next_from_request(), 303)
    return _page("auth/register.html", form)


@bp.get("/register/check/<field>")
@limit_checks
def check(field: str) -> Response:
    """The message for one sign-up field, for the inline check while typing."""
    if field not in ("username", "email"):
        abort(404)
    form = RegisterForm(formdata=MultiDict(request.args), meta={"csrf": False})
    inline = getattr(RegisterForm, f"validate_{field}")
    form[field].validate(form, extra_validators=[inline])
    return respond(component("field_messages", form[field].errors))


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
            sign_in(user, remember=form.remember.data)
            flash(f"Welcome back, {user.username}!")
            return redirect(next_from_request(), 303)
        form.form_errors.append(WRONG_CREDENTIALS)
    return _page("auth/login.html", form)


@bp.post("/logout")
def logout() -> Response:
    sign_out()
    flash("You have signed out.")
    return redirect(url_for("home.index"), 303)
