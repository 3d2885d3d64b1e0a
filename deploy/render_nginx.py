"""Render deploy/nginx.conf.j2 into an nginx configuration file.

    python deploy/render_nginx.py --server-name conduit.example \\
        --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 --listen 8080 \\
        --static-root "$PWD/static" --runtime /tmp/conduit-nginx > nginx.conf
    nginx -c "$PWD/nginx.conf"

With --tls-cert and --tls-key, nginx serves HTTPS (HTTP/2) on --tls-listen and plain
HTTP on --listen only redirects there.
"""

import argparse
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import escape

HERE = Path(__file__).resolve().parent
TRANSLATIONS = HERE.parent / "web" / "translations"
RTL = {"ar"}


def N_(message: str) -> str:  # marks a message for the app's catalogs
    return message


# nginx's own page when the edge limits refuse a request, in the reader's language (from
# the app's catalogs, by the browser's first language: nginx cannot read the session).
TITLE = N_("Too many requests")
SAID = N_("Too many attempts. Please wait a minute and try again.")
HOME = N_("Go to the home page")


def too_many_pages() -> dict[str, str]:
    """The 429 page per language code ("en" first, the default)."""
    catalogs = {"en": {}}
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as source:
            catalog = read_po(source)
        catalogs[str(catalog.locale)] = {m.id: m.string for m in catalog if m.id}
    pages = {}
    for code, said in catalogs.items():
        title, message, home = (escape(said.get(text) or text) for text in (TITLE, SAID, HOME))
        pages[code] = (
            f'<!doctype html>\\n<html lang="{code}" dir="{"rtl" if code in RTL else "ltr"}">'
            '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><title>{title} — Conduit</title><link rel="stylesheet" '
            'href="/static/css/conduit.css"></head><body><header class="site-header"><div '
            'class="container header-bar"><a class="brand" href="/">conduit</a></div></header>'
            '<main id="main"><div class="container error-page"><div class="error-message">'
            f'<h1>{title}</h1><p>{message}</p><p><a href="/">{home}</a></p></div></div></main>'
            "</body></html>\\n"
        )
    return pages


def render(
    *,
    upstreams: list[str],
    events_upstreams: list[str] | None = None,
    server_name: str,
    listen: str = "80",
    static_root: str = "/srv/conduit/static",
    runtime: str = "/tmp/conduit-nginx",
    max_body: str = "1m",
    mime_types: str = "/etc/nginx/mime.types",
    log_to_stdio: bool = False,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    tls_listen: str = "443",
    accounts_rate: str = "30r/m",
    accounts_burst: int = 20,
    api_write_rate: str = "120r/m",
    api_write_burst: int = 60,
) -> str:
    if not upstreams:
        raise ValueError("at least one --upstream is needed")
    if not server_name.strip() or "_" in server_name.split():
        raise ValueError("--server-name names the site's host (SITE_URL's), e.g. conduit.example")
    if bool(tls_cert) != bool(tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    https_port = tls_listen.rsplit(":", 1)[-1]
    environment = Environment(
        loader=FileSystemLoader(HERE), undefined=StrictUndefined, keep_trailing_newline=True
    )
    return environment.get_template("nginx.conf.j2").render(
        upstreams=upstreams,
        events_upstreams=events_upstreams or upstreams,
        listen=listen,
        server_name=server_name,
        static_root=static_root.rstrip("/"),
        runtime=runtime.rstrip("/"),
        max_body=max_body,
        mime_types=mime_types,
        log_to_stdio=log_to_stdio,
        tls=bool(tls_cert),
        tls_cert=tls_cert,
        tls_key=tls_key,
        tls_listen=tls_listen,
        https_port_suffix="" if https_port == "443" else f":{https_port}",
        accounts_rate=accounts_rate,
        accounts_burst=accounts_burst,
        api_write_rate=api_write_rate,
        api_write_burst=api_write_burst,
        too_many_pages=too_many_pages(),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--upstream", action="append", default=[], help="host:port of an app server"
    )
    parser.add_argument(
        "--events-upstream",
        action="append",
        dest="events_upstreams",
        default=[],
        help="host:port of a live-update server (default: the app servers)",
    )
    parser.add_argument("--listen", default="80")
    parser.add_argument(
        "--server-name",
        required=True,
        help="the site's host name, as in SITE_URL (several, space-separated); requests for "
        "any other host are answered 400 by nginx itself",
    )
    parser.add_argument("--static-root", default="/srv/conduit/static")
    parser.add_argument("--runtime", default="/tmp/conduit-nginx", help="pid, logs, temp files")
    parser.add_argument("--max-body", default="1m")
    parser.add_argument("--mime-types", default="/etc/nginx/mime.types")
    parser.add_argument(
        "--log-to-stdio", action="store_true", help="logs to stdout/stderr (containers)"
    )
    parser.add_argument("--tls-cert", help="certificate chain (PEM): serve HTTPS")
    parser.add_argument("--tls-key", help="its private key (PEM)")
    parser.add_argument("--tls-listen", default="443")
    parser.add_argument(
        "--accounts-rate", default="30r/m", help="sign-in/sign-up POSTs per client address"
    )
    parser.add_argument("--accounts-burst", type=int, default=20)
    parser.add_argument("--api-write-rate", default="120r/m", help="API writes per address")
    parser.add_argument("--api-write-burst", type=int, default=60)
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(render(upstreams=args.upstream, **{
            key: value for key, value in vars(args).items() if key != "upstream"
        }))  # fmt: skip
    except ValueError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
