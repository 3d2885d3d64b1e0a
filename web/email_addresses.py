"""Email addresses: confirming a member's address, and changing it only once the new one
is confirmed.

One kind of signed link does both. It names the member, the address to confirm and a
stamp of the address the account had when it was sent: opening it confirms that address
(and makes it the account's, for a change). Once the account's address changes, every
link sent before dies; a link also expires after CONFIRM_SECONDS.
"""

import hashlib
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlmodel import Session

from web.models import User, id_of
from web.users import AccountConflict, email_taken, update_account

CONFIRM_SECONDS = 7 * 24 * 60 * 60
SALT = "conduit.email-confirm"


@dataclass(frozen=True)
class Confirmed:
    member: User
    changed: bool  # the account's address is now a new one


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _stamp(address: str) -> str:
    return hashlib.sha256(address.lower().encode()).hexdigest()[:20]


def confirm_token(user: User, address: str | None = None) -> str:
    """A link's token confirming `address` (by default the account's own)."""
    target = (address or user.email).lower()
    return _serializer().dumps({"id": id_of(user), "email": target, "from": _stamp(user.email)})


def confirm(*, session: Session, token: str) -> Confirmed | None:
    """Confirm what the link names. None when it is forged, expired, or dead (the
    account's address changed since), or when the new address was taken meanwhile."""
    try:
        data = _serializer().loads(token, max_age=CONFIRM_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = session.get(User, data["id"])
    target = data.get("email")
    if user is None or not isinstance(target, str) or data.get("from") != _stamp(user.email):
        return None
    changed = target != user.email.lower()
    if changed:
        if email_taken(session=session, email=target, except_id=user.id):
            return None
        try:
            update_account(session=session, user=user, email=target)
        except AccountConflict:  # taken between the check and the save
            return None
    if changed or not user.email_confirmed:
        user.email_confirmed = True
        session.add(user)
        session.commit()
    return Confirmed(member=user, changed=changed)
