"""A member's journey through a running deployment, as a browser would make it.

    python -m deploy.journey https://conduit.example --instances app1 app2 [--ca cert.pem]

Signs up, signs out, signs in, writes an article and reads it back until every named
app server (X-Served-By) has answered; checks that static files (the stylesheet, htmx,
the fonts) come from nginx with their cache headers. Used by the scale-out test and by
deploy/docker-smoke; exits non-zero, saying why, when a step fails.
"""

import argparse
import re
import sys
import uuid
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit

import requests

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
PASSWORD = "long enough"


class JourneyError(AssertionError):
    pass


def check(condition: object, what: str) -> None:
    if not condition:
        raise JourneyError(what)


def https_session(ca: str | None = None) -> requests.Session:
    """A session that trusts `ca` (the environment's CA bundle variables would win over
    a session's own `verify` otherwise)."""
    session = requests.Session()
    if ca:
        session.verify = ca
        session.trust_env = False
    return session


@dataclass
class Browser:
    """A requests session that keeps cookies and notes which app server answered."""

    base: str
    ca: str | None = None
    served_by: list[str] = field(default_factory=list)
    email: str = ""  # the journey member's address

    def __post_init__(self) -> None:
        self.session = https_session(self.ca)
        if urlsplit(self.base).hostname in {"localhost", "127.0.0.1"}:
            # Like browsers, treat http://localhost as secure: production cookies are Secure.
            self.session.cookies.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))
        self.session.hooks["response"].append(self._note)

    def _note(self, response: requests.Response, *_args: object, **_kwargs: object) -> None:
        self.served_by.append(response.headers.get("X-Served-By", ""))

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.get(self.base + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, data: dict[str, str], token_from: str) -> requests.Response:
        match = CSRF.search(self.get(token_from).text)
        check(match, f"no CSRF token on {token_from}")
        assert match
        return self.session.post(
            self.base + path,
            data={**data, "csrf_token": match.group(1)},
            headers={"Referer": self.base + token_from},  # checked over HTTPS, as browsers send it
            timeout=10,
        )


def member_journey(browser: Browser, instances: list[str]) -> str:
    """Returns the article's address once every instance has served it."""
    name = f"journey{uuid.uuid4().hex[:6]}"
    email = browser.email = f"{name}@example.com"
    signed_up = browser.post(
        "/register", {"username": name, "email": email, "password": PASSWORD}, "/register"
    )
    check(signed_up.status_code == 200, f"sign-up answered {signed_up.status_code}")
    check(f"Welcome to Conduit, {name}!" in signed_up.text, "sign-up did not welcome")

    browser.post("/logout", {}, "/")
    signed_in = browser.post("/login", {"email": email, "password": PASSWORD}, "/login")
    check(f"Welcome back, {name}!" in signed_in.text, "sign-in did not welcome back")

    written = browser.post(
        "/editor",
        {"title": f"Deployed {name}", "description": "Through nginx", "body": "**Hello**",
         "tags": "deploy"},
        "/editor",
    )  # fmt: skip
    check(written.status_code == 200, f"writing answered {written.status_code}")
    path = urlsplit(written.url).path
    check(path == f"/article/deployed-{name}", f"the article landed on {path}")
    for _ in range(20):  # read it back until every app server has answered
        page = browser.get(path)
        check("<strong>Hello</strong>" in page.text, "the article's body is missing")
        check("Edit article" in page.text, "signed out between servers (shared sessions?)")
        if set(instances) <= set(browser.served_by):
            return path
    raise JourneyError(f"not every app server answered: {sorted(set(browser.served_by))}")


def password_reset(browser: Browser) -> None:
    """Ask for a reset link for the journey's member (the mail goes out separately)."""
    browser.post("/logout", {}, "/")
    asked = browser.post("/password/forgot", {"email": browser.email}, "/password/forgot")
    check(asked.status_code == 200, f"the reset request answered {asked.status_code}")
    check("Check your inbox" in asked.text, "the reset request was not acknowledged")


def static_from_nginx(browser: Browser) -> None:
    home = browser.get("/").text
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', home)
    for wanted in ("css/conduit.css", "vendor/htmx.min.js", "vendor/fonts/"):
        check(any(wanted in link for link in links), f"the home page links no {wanted}")
    for link in links:
        answer = browser.get(link, headers={"Accept-Encoding": "gzip"})
        check(answer.status_code == 200, f"{link} answered {answer.status_code}")
        check("X-Served-By" not in answer.headers, f"{link} came from an app server")
        expected = "immutable" if "?v=" in link else "max-age=3600"
        check(expected in answer.headers.get("Cache-Control", ""), f"{link} cache headers")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the site's address, e.g. http://127.0.0.1:8080")
    parser.add_argument("--instances", nargs="+", default=["app1", "app2"])
    parser.add_argument("--ca", help="the CA (or self-signed certificate) to trust")
    parser.add_argument("--reset", action="store_true", help="then ask for a password reset")
    args = parser.parse_args(argv)
    browser = Browser(args.base.rstrip("/"), ca=args.ca)
    try:
        path = member_journey(browser, args.instances)
        static_from_nginx(browser)
        if args.reset:
            password_reset(browser)
            print(f"password reset asked for {browser.email}")
    except (JourneyError, requests.RequestException) as error:
        sys.exit(f"journey failed: {error}")
    print(f"journey passed: {path} read back from {', '.join(sorted(set(args.instances)))}")


if __name__ == "__main__":
    main()
