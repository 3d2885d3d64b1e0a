"""Who and where the site is: its public address (SITE_URL) and the hosts it answers to.

A request never decides where we are. Its `Host` (or the `X-Forwarded-Host` a trusted
proxy passed on) could be anyone's, so:

- every absolute URL (mails, Atom feeds, the sitemap, canonical and Open Graph tags) is
  the configured `SITE_URL` followed by the path Flask builds: `url_for(...,
  _external=True)` and `absolute(path)` give the same answer whatever the request said,
  and outside a request (a script, a mail worker) URLs are built for the site too;
- a request for a host that is neither the site's nor one of `TRUSTED_HOSTS` (nor, in
  development and tests, a loopback name) is answered 400 before any view runs, except
  the health checks, which load balancers send to an app server's own address.
"""

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, abort, current_app, has_request_context, request
from werkzeug.routing import MapAdapter
from werkzeug.sansio.utils import host_is_trusted

from web.config import site_hosts

ANY_HOST = frozenset({"health.healthz", "health.readyz", "metrics.scrape"})  # asked by address
HOSTS = "conduit.site-hosts"


class Conduit(Flask):
    """Flask, with absolute URLs always on the site's public address."""

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        external = _external
        if external is None:  # Flask's rule: absolute outside a request or with a scheme
            external = _scheme is not None or not has_request_context()
        path = super().url_for(
            endpoint, _anchor=_anchor, _method=_method, _external=False, **values
        )
        return absolute(path, self) if external else path

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Outside a request, URLs are built for the site's address (no SERVER_NAME)."""
        adapter = super().create_url_adapter(request)
        if adapter is None and request is None:
            site = urlsplit(self.config["SITE_URL"])
            return self.url_map.bind(
                site.netloc, script_name=self.config["APPLICATION_ROOT"], url_scheme=site.scheme
            )
        return adapter


def absolute(path: str, app: Flask | None = None) -> str:
    """The site's address followed by `path` (a path from the root, as url_for gives)."""
    return str((app or current_app).config["SITE_URL"]) + path


def here_absolute() -> str:
    """This request's path on the site's address (not on the host it named)."""
    return absolute(request.script_root + request.path)


def init_app(app: Flask) -> None:
    app.extensions[HOSTS] = site_hosts(
        app.config["SITE_URL"],
        app.config.get("SITE_EXTRA_HOSTS"),
        loopback=app.config["CONDUIT_ENV"] != "production",
    )
    app.before_request(_known_host)


def _known_host() -> None:
    """400 for a host that is not the site's (the health checks answer any)."""
    if request.endpoint in ANY_HOST:
        return
    if not host_is_trusted(request.host, current_app.extensions[HOSTS]):
        abort(400)
