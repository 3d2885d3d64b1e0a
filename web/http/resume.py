"""What a reader did when their session had ended, kept through signing in.

A visitor's POST to a members' action (their session ended in another tab, or expired)
is sent to sign in (web.http.errors.sign_in_required); what they pressed is kept in
their session. Once they sign in (or up), a toggle (favorite, follow, read later) or a
comment's deletion is done then, by the action's own view, which answers as if pressed
again: back to the page, its message shown. A comment is never posted unseen: its text
goes back in the box, focused and ready to post; nor is a report: its form comes back
as it was filled in.

Forms a member's page shows carry `as=member`, so an action that visitors may take too
(read later) tells a member whose session ended from a visitor.
"""

from typing import Any, cast

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web.bounds import REPORT_NOTE_MAX
from web.http.auth import current_member, next_from_request

# The actions done again after signing in, and the one whose text is given back.
DONE_AGAIN = {
    "articles.favorite", "articles.unfavorite", "articles.delete_comment",
    "profiles.follow_user", "profiles.unfollow_user",
    "reading_list.save", "reading_list.unsave",
}  # fmt: skip
COMMENT = "articles.add_comment"
REPORTS = {
    "moderation.report_article", "moderation.report_comment", "moderation.report_profile",
}  # fmt: skip
KEY, DRAFT, REPORT_DRAFT = "resume", "comment_draft", "report_draft"
# A comment kept in a cookie session must leave room for the rest of the cookie (4 KB).
KEPT_BYTES = 2400
MARK = "as"


def sent_by_member() -> bool:
    """The form came from a page shown to a member whose session has since ended."""
    return current_member() is None and request.form.get(MARK) == "member"


def keep_intent() -> None:
    """Remember this POST, if it is an action worth doing after signing in."""
    endpoint = request.endpoint or ""
    if request.method != "POST" or endpoint not in (*DONE_AGAIN, COMMENT, *REPORTS):
        return
    intent: dict[str, Any] = {"endpoint": endpoint, "args": dict(request.view_args or {})}
    if endpoint == COMMENT:
        text = request.form.get("body", "")
        kept = text.encode()[:KEPT_BYTES].decode(errors="ignore")
        intent.update(text=kept, whole=kept == text)
    if endpoint in REPORTS:
        intent.update(reason=request.form.get("reason", "")[:16],
                      note=request.form.get("note", "")[:REPORT_NOTE_MAX])  # fmt: skip
    session[KEY] = intent


def resumed() -> Response | None:
    """Just signed in: the kept action done (its view's answer), or a kept comment put
    back (a redirect to its page); None when nothing was kept."""
    intent = session.pop(KEY, None)
    if not isinstance(intent, dict) or not isinstance(intent.get("args"), dict):
        return None
    endpoint, args = intent.get("endpoint"), intent["args"]
    if endpoint == COMMENT and isinstance(args.get("slug"), str):
        session[DRAFT] = {"slug": args["slug"], "text": str(intent.get("text", ""))}
        flash(
            gettext("Your comment is back in its box: post it when you are ready.")
            if intent.get("whole")
            else gettext("The start of your comment is back in its box: finish it and post it.")
        )
        # No #fragment: a browser skips autofocus on a page opened at one.
        return redirect(next_from_request(), 303)
    if endpoint in REPORTS:
        kept = {"reason": intent.get("reason"), "note": intent.get("note")}
        session[REPORT_DRAFT] = {"endpoint": endpoint, "args": args, **kept}
        flash(gettext("Your report is back in its form: send it when you are ready."))
        return redirect(url_for(endpoint, **args), 303)
    if endpoint in DONE_AGAIN:
        view = current_app.view_functions[endpoint]
        return cast(Response, view(**args))  # (the actions' views all answer a Response)
    return None


def comment_draft(slug: str) -> str | None:
    """The text of a comment kept through signing in, for this article's box (once)."""
    draft = session.get(DRAFT)
    if not isinstance(draft, dict) or draft.get("slug") != slug:
        return None
    session.pop(DRAFT)
    return str(draft.get("text", ""))


def report_draft() -> dict[str, str] | None:
    """A report kept through signing in, for this report form (once): its reason and note."""
    draft = session.get(REPORT_DRAFT)
    if not isinstance(draft, dict) or (draft.get("endpoint"), draft.get("args")) != (
        request.endpoint,
        request.view_args,
    ):
        return None
    session.pop(REPORT_DRAFT)
    return {"reason": str(draft.get("reason") or ""), "note": str(draft.get("note") or "")}
