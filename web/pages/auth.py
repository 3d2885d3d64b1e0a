"""Sign up, sign in, sign out, and the sign-up form's inline checks."""

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import login_user, logout_user
from werkzeug.datastructures import MultiDict

from web.auth import Member, current_member, next_from_request
from web.db import get_session
from web.forms import LoginForm, RegisterForm
from web.limits import limit_attempts
from web.rendering import render, render_component
from web.users import AccountConflict, authenticate, create_user

bp = Blueprint("auth", __name__)

WRONG_CREDENTIALS = "That email and password do not match an account."


@bp.route("/register", methods=["GET", "POST"])
@limit_attempts
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
            form[conflict.field].errors.append(f"That {conflict.field} is already taken.")
        else:
            login_user(Member(user))
            flash(f"Welcome to Conduit, {user.username}!")
            return redirect(next_from_request(), 303)
    return render("auth/register.html", form=form, next=next_from_request(""), status=_status(form))


@bp.get("/register/check/<field>")
def check(field: str) -> Response:
    """The message for one sign-up field, for the inline check while typing."""
    if field not in ("username", "email"):
        abort(404)
    form = RegisterForm(formdata=MultiDict(request.args), meta={"csrf": False})
    inline = getattr(RegisterForm, f"validate_{field}")
    form[field].validate(form, extra_validators=[inline])
    return render_component("field_messages", form[field].errors)


@bp.route("/login", methods=["GET", "POST"])
@limit_attempts
def login() -> Response:
    if current_member():
        return redirect(next_from_request(), 303)
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            session=get_session(), email=form.email.data, password=form.password.data
        )
        if user is not None:
            login_user(Member(user), remember=form.remember.data)
            flash(f"Welcome back, {user.username}!")
            return redirect(next_from_request(), 303)
        form.form_errors.append(WRONG_CREDENTIALS)
    return render("auth/login.html", form=form, next=next_from_request(""), status=_status(form))


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash("You have signed out.")
    return redirect(url_for("home.index"), 303)


def _status(form: RegisterForm | LoginForm) -> int:
    return 422 if form.errors or form.form_errors else 200
