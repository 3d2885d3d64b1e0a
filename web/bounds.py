"""How long and how many: every bound on what people send, defined once.

Models (column sizes), HTML forms (validators and `maxlength`), API schemas (and so the
OpenAPI document) and templates (as the `bounds` global) all read these names.
"""

import re

from web.languages import N_

USERNAME_MAX = 40
# Letters, digits, dots, dashes and underscores, not dots alone ("." and ".." name no
# profile a link can reach); 1 to USERNAME_MAX of them, checked apart.
USERNAME_PATTERN = re.compile(r"^\.*[\w-][\w.-]*$")
# Said by the forms, with max=USERNAME_MAX.
USERNAME_RULE = N_(
    "Use 1 to %(max)s letters, digits, dots, dashes or underscores (not dots alone)."
)
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 128
IMAGE_URL_MAX = 2048
BIO_MAX = 1000

TITLE_MAX = 255
SLUG_MAX = 80
# Slugs no article gets (they name something else in the API's addresses).
RESERVED_SLUGS = ("feed",)
DESCRIPTION_MAX = 500
BODY_MAX = 100_000
TAG_MAX = 32
TAGS_MAX = 10
# The editor's one box for all tags: TAGS_MAX tags of TAG_MAX characters, separated.
TAGS_TEXT_MAX = TAGS_MAX * (TAG_MAX + 2)
COMMENT_MAX = 5000
# A report's own words ("other"), and the reason a moderator gives for a decision.
REPORT_NOTE_MAX = 300
DECISION_REASON_MAX = 500

SEARCH_MAX = 200
# A search ranks at most this many matches, the newest: its cost stays the same however
# many articles a broad query matches (add words to reach older ones). The default of
# the SEARCH_WINDOW setting.
SEARCH_WINDOW = 5000
# Articles on one reader's reading list (a visitor's is kept in their session).
READING_LIST_MAX = 200
# Page numbers and list windows: far beyond any real list, well inside 32-bit integers.
PAGE_MAX = 100_000
LIMIT_MAX = 100
OFFSET_MAX = 1_000_000
# Ids in URLs (comments): PostgreSQL's integer columns end here.
ID_MAX = 2**31 - 1


def as_dict() -> dict[str, int]:
    """The numeric bounds by name, for templates (`bounds.TITLE_MAX`)."""
    return {
        name: value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, int)
    }
