"""Which picture addresses we show: https only, the same rule for members' pictures
(settings and API) and images in articles, because the Content-Security-Policy lets
the browser load images from this site and from https URLs, nothing else."""

import re
from urllib.parse import urlsplit

from web.languages import N_

PICTURE_PATTERN = r"^https://[^\s/?#]+[^\s]*$"
PICTURE_RULE = N_(
    "Enter a picture address starting with https://, e.g. https://example.com/me.png."
)


def is_picture_url(url: str | None) -> bool:
    """True for an absolute https URL with a host (the only pictures we display)."""
    if not url or not re.match(PICTURE_PATTERN, url):
        return False
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
