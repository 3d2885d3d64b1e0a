"""The one answer to a pressed toggle (favorite, follow, read later).

Without JS the form posted and the reader goes back where they were, the message
flashed (Post/Redirect/Get). With htmx the pressed button comes back in place, its
twins (the same button elsewhere on the page: an article's banner and its end) follow
out-of-band with anything else the action changed, and the message is announced.
"""

from collections.abc import Callable, Iterable

from flask import flash, redirect
from markupsafe import Markup
from werkzeug.wrappers import Response

from web.http.auth import next_from_request
from web.http.rendering import announce, respond, target, wants_fragment

# Where an article's own buttons stand on its page: the banner and the end.
ARTICLE_PLACES = ("banner", "end")


def acted(
    message: str,
    *,
    back: str,
    button: Callable[[str, bool], Markup],
    prefix: str,
    places: tuple[str, ...],
    twins: tuple[str, ...] = ARTICLE_PLACES,
    also: Iterable[Markup] = (),
) -> Response:
    """Answer a toggle. `button(place, oob)` renders the new button at a place; the
    pressed one is named by the htmx target's id, `<prefix><place>` (one of `places`);
    a place among `twins` brings the other twins along. `back`: where a plain form
    goes when the request names no `next`."""
    if not wants_fragment():
        flash(message)
        return redirect(next_from_request(back), 303)
    announce(message)
    place = pressed_place(prefix, places)
    others = [p for p in twins if p != place] if place in twins else []
    return respond(button(place, False), oob=[*(button(p, True) for p in others), *also])


def pressed_place(prefix: str, places: tuple[str, ...]) -> str:
    """Which of a thing's buttons was pressed: the target's id is `<prefix><place>`.

    Anything else (no target, a hand-made request) counts as the last of `places`.
    """
    where = (target() or "").removeprefix(prefix)
    return where if where in places else places[-1]
