"""Conduit: a publishing platform served as hypermedia.

The domain (articles, comments, users, search...) lives at this package's top level and
knows nothing of requests; `http` answers requests, `caching` keeps what is computed,
`infra` talks to the servers around (Redis, PostgreSQL, mail), `pages` and `api` are the
two faces. `create_app` (web.factory) puts them together.
"""

from web.factory import create_app

__all__ = ["create_app"]
