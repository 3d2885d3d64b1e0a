"""Security headers on every response, and believing forwarded headers (and request
ids) only from the proxies we trust (nginx), one hop deep."""

from collections.abc import Iterable
from ipaddress import ip_address, ip_network
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

# Scripts and styles from this origin only: no inline code, no eval (htmx is configured
# by its meta tag). Pictures may come from https URLs members give as their avatar.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
HSTS = "max-age=63072000; includeSubDomains"
HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", PERMISSIONS),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HEADERS_OVER_HTTPS = (*HEADERS, ("Strict-Transport-Security", HSTS))  # means nothing over http


class TrustedProxies:
    """X-Forwarded-For/Proto/Host are believed one hop deep, and only when the request
    comes from a trusted proxy: anyone reaching the app directly cannot choose the
    client address that rate limits count by."""

    def __init__(self, app: Any, trusted: str) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)
        self.anyone = trusted.strip() == "*"
        self.networks = [] if self.anyone else list(_networks(trusted.split(",")))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.anyone or self._trusted(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        # Nor is a request id believed from anyone else: the logs' ids are the proxy's or ours.
        environ.pop("HTTP_X_REQUEST_ID", None)
        return self.app(environ, start_response)

    def _trusted(self, peer: str) -> bool:
        try:
            address = ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def _networks(specs: Iterable[str]) -> Iterable[Any]:
    for spec in specs:
        if spec.strip():
            yield ip_network(spec.strip(), strict=False)


def init_app(app: Flask) -> None:
    app.wsgi_app = TrustedProxies(app.wsgi_app, app.config["FORWARDED_ALLOW_IPS"])  # type: ignore[method-assign]  # WSGI middleware wraps the app
    production = app.config["CONDUIT_ENV"] == "production"

    @app.after_request
    def add_headers(response: Response) -> Response:
        # Where a view set one of these itself, its own stands (one pass over the headers).
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}
        wanted = HEADERS_OVER_HTTPS if production and request.is_secure else HEADERS
        headers.extend([(name, value) for name, value in wanted if name.lower() not in present])
        return response
