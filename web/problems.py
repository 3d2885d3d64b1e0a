"""What the domain says when it cannot do what was asked.

The domain modules raise these; `web.http.errors` turns them, in one place, into an error
page, a fragment for htmx, or a JSON error for the API. Each carries the subject it is
about ("article", "comment", "profile") and two phrasings: a short one in RealWorld's
style for the API (`{"errors": {subject: [detail]}}`, always English) and a sentence for
people, in the catalogs (web.languages), said in the reader's language by web.http.errors.
"""

from typing import Any, ClassVar

from web.languages import N_

# What a reader is told when a thing is missing, by subject.
MISSING = {
    "article": N_("That article does not exist. It may have been deleted."),
    "comment": N_("That comment does not exist. It may have been deleted."),
    "profile": N_("There is no member by that name."),
    "page": N_("There is no such page in this list."),
}


class Problem(Exception):
    """Something the domain refuses; `status` is the HTTP status it maps to."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = N_("That cannot be done")

    def __init__(self, subject: str, detail: str, sentence: str, **params: Any) -> None:
        super().__init__(f"{subject} {detail}")
        self.subject = subject
        self.detail = detail
        self.sentence = sentence  # a catalog message; `params` fill its %(name)s
        self.params = params

    def errors(self) -> dict[str, list[str]]:
        """The API's body: `{subject: [detail]}`."""
        return {self.subject: [self.detail]}


class NotFound(Problem):
    """No such article, comment or member (or not any more)."""

    status = 404
    title = N_("Page not found")

    def __init__(self, subject: str) -> None:
        super().__init__(subject, "not found", MISSING[subject])


class Moved(NotFound):
    """The article is there, under a new slug: pages redirect, the API says not found."""

    def __init__(self, subject: str, slug: str) -> None:
        super().__init__(subject)
        self.slug = slug


class NotAllowed(Problem):
    """The user may not do this to that (it is someone else's)."""

    status = 403
    title = N_("Not allowed")


class Invalid(Problem):
    """The request makes no sense for the domain (e.g. following yourself)."""

    status = 422
