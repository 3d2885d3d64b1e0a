"""Confirming email addresses: the emailed link, sending it again, and the reminder
a member sees until their address is confirmed."""

from flask import Blueprint, flash, redirect, session, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from web.db import get_session
from web.email_addresses import confirm, confirm_token
from web.http.auth import current_member, members_only, next_from_request, signed_in_member
from web.http.limits import limit_mail
from web.http.rendering import render
from web.infra import mail
from web.models import User

bp = Blueprint("addresses", __name__)

# In the session: the sign-in the reminder was put away for (it comes back at the next).
DISMISSED = "address_reminder_dismissed"


def send_confirmation(member: User, address: str | None = None) -> None:
    """Mail the link confirming `address` (a new one, for a change: the old address is
    told too). Raises mail.NotSent."""
    target = address or member.email
    link = url_for("addresses.confirmed", token=confirm_token(member, target), _external=True)
    change = address is not None and address.lower() != member.email.lower()
    mail.send(target, gettext("Confirm your email address on Conduit"), "confirm_address",
              member=member, address=target, link=link, change=change)  # fmt: skip
    if change:
        mail.send(member.email, gettext("Your Conduit address is about to change"),
                  "address_change_notice", member=member, address=target,
                  link=url_for("settings.edit", _external=True))  # fmt: skip


@bp.app_template_global("shows_address_reminder")
def shows_reminder() -> bool:
    member = current_member()
    if member is None or member.email_confirmed:
        return False
    return bool(session.get(DISMISSED) != current_user.get_id())


@bp.get("/email/confirm/<token>")
def confirmed(token: str) -> Response:
    done = confirm(session=get_session(), token=token)
    if done is None:
        return render("addresses/dead_link.html", status=410)
    if done.changed:
        flash(gettext("Your email address is now %(address)s.", address=done.member.email))
    else:
        flash(gettext("Thank you: your email address is confirmed."))
    return redirect(url_for("home.index"), 303)


@bp.post("/email/confirm/send")
@members_only
@limit_mail
def send_again() -> Response:
    member = signed_in_member()
    try:
        send_confirmation(member)
    except mail.NotSent:
        flash(gettext("We could not send the email just now. Please try again in a few minutes."))
    else:
        flash(gettext("We sent a new link to %(address)s.", address=member.email))
    return redirect(next_from_request(url_for("home.index")), 303)


@bp.post("/email/reminder/dismiss")
@members_only
def dismiss() -> Response:
    session[DISMISSED] = current_user.get_id()
    return redirect(next_from_request(url_for("home.index")), 303)
