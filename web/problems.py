"""What the domain says when it cannot do what was asked.

The domain modules raise these; `web.errors` turns them, in one place, into an error
page, a fragment for htmx, or a JSON error for the API. Each carries the subject it is
about ("article", "comment", "profile") and two phrasings: a short one in RealWorld's
style for the API (`{"errors": {subject: [detail]}}`) and a sentence for people.
"""

from typing import ClassVar


class Problem(Exception):
    """Something the domain refuses; `status` is the HTTP status it maps to."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "That cannot be done"

    def __init__(self, subject: str, detail: str, sentence: str) -> None:
        super().__init__(f"{subject} {detail}")
        self.subject = subject
        self.detail = detail
        self.sentence = sentence

    def errors(self) -> dict[str, list[str]]:
        """The API's body: `{subject: [detail]}`."""
        return {self.subject: [self.detail]}


class NotFound(Problem):
    """No such article, comment or member (or not any more)."""

    status = 404
    title = "Page not found"

    def __init__(self, subject: str, sentence: str | None = None) -> None:
        super().__init__(
            subject,
            "not found",
            sentence or f"That {subject} does not exist. It may have been deleted.",
        )


class Moved(NotFound):
    """The article is there, under a new slug: pages redirect, the API says not found."""

    def __init__(self, subject: str, slug: str) -> None:
        super().__init__(subject)
        self.slug = slug


class NotAllowed(Problem):
    """The user may not do this to that (it is someone else's)."""

    status = 403
    title = "Not allowed"


class Invalid(Problem):
    """The request makes no sense for the domain (e.g. following yourself)."""

    status = 422
